"""Sorted by label, but train_test_split shuffles before Keras ever sees the rows."""
import keras
import pandas as pd
from sklearn.model_selection import train_test_split

df = pd.read_csv("reviews.csv").sort_values("label")
y = df.pop("label")
X_train, X_test, y_train, y_test = train_test_split(df.values, y.values, test_size=0.2, stratify=y)

model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=10, validation_split=0.2)
model.evaluate(X_test, y_test)
