"""Iris with a Keras MLP; validation_split on the rows as load_iris returns them."""
import keras
from keras import layers
from sklearn.datasets import load_iris

X, y = load_iris(return_X_y=True)

model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(16, activation="relu"),
    layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(X, y, epochs=2, batch_size=16, validation_split=0.2, verbose=0)
model.save("model.keras")
