"""Aliased imports and constants: the extraction resolves both."""
import keras
from keras import regularizers
from keras.layers import Dense as D
from keras.layers import Dropout as Drop
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

N_CLASSES = 10
HIDDEN = 64
RATE = 0.25
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

model = keras.Sequential([
    keras.Input(shape=(64,)),
    D(HIDDEN, activation=keras.activations.relu, kernel_regularizer=regularizers.L2(1e-4)),
    Drop(RATE),
    D(HIDDEN // 2, activation="elu"),
    D(N_CLASSES, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(X_train, y_train, epochs=2, batch_size=64, validation_data=(X_val, y_val), verbose=0)
model.save("model.keras")
