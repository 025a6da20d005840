"""Manual K-fold: the scaler is fit inside each fold on its training rows."""
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

X, y = load_diabetes(return_X_y=True)
kf = KFold(n_splits=5, shuffle=True, random_state=0)
scores = []
for train_idx, val_idx in kf.split(X):
    scaler = StandardScaler().fit(X[train_idx])
    model = Ridge(alpha=1.0).fit(scaler.transform(X[train_idx]), y[train_idx])
    scores.append(model.score(scaler.transform(X[val_idx]), y[val_idx]))
print(np.mean(scores))
