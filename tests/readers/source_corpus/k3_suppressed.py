"""A deliberate choice, suppressed inline."""
import keras
from sklearn.datasets import load_iris

X, y = load_iris(return_X_y=True)
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(X, y, epochs=2, validation_split=0.2)  # advisor: ignore[EP08]
