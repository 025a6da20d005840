"""Features picked with the labels of every row, then the rows are split."""
import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 5000))
y = rng.integers(0, 2, size=200)
X_selected = SelectKBest(f_classif, k=20).fit_transform(X, y)
X_train, X_test, y_train, y_test = train_test_split(X_selected, y, test_size=0.25, random_state=0)
print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))
