"""The scaler sees every row before cross-validation splits them."""
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

X, y = load_breast_cancer(return_X_y=True)
X_scaled = StandardScaler().fit_transform(X)
print(cross_val_score(SVC(), X_scaled, y, cv=10, scoring="accuracy").mean())
