"""Sales sorted by date: validation_split then validates on the last months only."""
import keras
import pandas as pd

sales = pd.read_csv("sales.csv", parse_dates=["date"])
sales = sales.sort_values(by="date").reset_index(drop=True)
target = sales.pop("units_sold")
features = sales.drop(columns=["date"]).values

model = keras.Sequential([keras.Input(shape=(features.shape[1],)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.fit(features, target, epochs=20, validation_split=0.2)
