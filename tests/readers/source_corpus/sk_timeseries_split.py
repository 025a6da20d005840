"""Time-ordered data cross-validated with TimeSeriesSplit."""
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import TimeSeriesSplit, cross_val_score

df = pd.read_csv("load.csv", parse_dates=["timestamp"]).sort_values("timestamp")
y = df.pop("load_mw")
X = df.drop(columns=["timestamp"])
print(cross_val_score(RandomForestRegressor(), X, y, cv=TimeSeriesSplit(n_splits=5),
                      scoring="neg_mean_absolute_error"))
