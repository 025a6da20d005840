"""The exported table is sorted by label, and Keras takes its validation rows from the end."""
import keras
import pandas as pd

df = pd.read_csv("reviews.csv")
df = df.sort_values("label")
y = df.pop("label")
X = df.to_numpy(dtype="float32")

model = keras.Sequential([keras.Input(shape=(X.shape[1],)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(X, y, epochs=10, validation_split=0.2)
