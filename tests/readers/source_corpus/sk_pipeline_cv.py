"""A Pipeline inside cross_val_score: the scaler is refit on each training fold."""
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
scores = cross_val_score(pipeline, X_train, y_train, cv=5, scoring="roc_auc")
print(scores.mean())
pipeline.fit(X_train, y_train)
print(pipeline.score(X_test, y_test))
