"""Breast cancer with Keras: a first training script, as many teams write it.

It runs (`python train.py`, about a minute on a laptop), and it holds three mistakes that only
the code shows: `advisor lint examples/keras_script` reports them at their lines.
"""
import keras
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

EPOCHS = 30

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)  # mistake: the scaler learns from the test rows too
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


def build(units):
    model = keras.Sequential([
        keras.Input(shape=(30,)),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


best = None
for units in [8, 32, 128]:
    model = build(units)
    # mistake: the test set is the validation data, and picks the width below
    model.fit(X_train, y_train, epochs=EPOCHS, batch_size=32, validation_data=(X_test, y_test), verbose=0)
    _, accuracy = model.evaluate(X_test, y_test, verbose=0)
    if best is None or accuracy > best[0]:
        best = (accuracy, units)
print(f"best width {best[1]}: test accuracy {best[0]:.3f}")
