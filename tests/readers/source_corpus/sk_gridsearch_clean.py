"""GridSearchCV over a pipeline on the training rows; the test set scored once."""
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
pipeline = Pipeline([("impute", SimpleImputer()), ("forest", RandomForestClassifier(random_state=0))])
grid = {"forest__n_estimators": [100, 300], "forest__max_depth": [None, 5, 10]}
search = GridSearchCV(pipeline, grid, cv=5, scoring="roc_auc", n_jobs=-1)
search.fit(X_train, y_train)
print(search.best_params_, search.best_score_)
print("test AUC", search.score(X_test, y_test))
