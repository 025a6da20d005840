"""Functional API with a one-unit softmax output: it always predicts 1.0."""
import keras
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=300, n_features=8, random_state=2)

inputs = keras.Input(shape=(8,))
hidden = keras.layers.Dense(16, activation="relu")(inputs)
outputs = keras.layers.Dense(1, activation="softmax")(hidden)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(X, y, epochs=2, validation_split=0.2, verbose=0)
model.save("model.keras")
