import numpy as np

from soccer_assets.lib.sparse_design import SparseDesign


def _design(rng: np.random.Generator) -> SparseDesign:
    rows, columns = 40, 9
    index = np.column_stack([np.zeros(rows, dtype=np.int64), rng.integers(1, columns, (rows, 3))])
    index[:5, 2] = index[:5, 1]  # a column twice in one row: both values count
    return SparseDesign(index, rng.normal(size=index.shape), columns)


def test_products_match_the_dense_matrix():
    rng = np.random.default_rng(3)
    design = _design(rng)
    dense = design.dense()
    theta, vector, weights = rng.normal(size=9), rng.normal(size=40), rng.uniform(0.1, 2, 40)
    assert np.allclose(design.dot(theta), dense @ theta)
    assert np.allclose(design.transpose_dot(vector), dense.T @ vector)
    assert np.allclose(design.gram(weights), dense.T @ (dense * weights[:, None]))


def test_dense_adds_repeated_columns():
    design = SparseDesign(np.array([[0, 2, 2]]), np.array([[1.0, 2.0, -0.5]]), 3)
    assert design.dense().tolist() == [[1.0, 0.0, 1.5]]
