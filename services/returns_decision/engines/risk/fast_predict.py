"""Single-row LightGBM prediction through the C API's fast path.

``lightgbm.Booster.predict`` on one row spends tens of microseconds in Python: it copies
the parameters, builds a predictor, converts the array and sets up OpenMP on every call.
``LGBM_BoosterPredictForMatSingleRowFastInit`` does that set-up once and returns a
``FastConfig``; ``LGBM_BoosterPredictForMatSingleRowFast`` then only walks the trees.
One config is made per output kind: probability, raw score, SHAP values (TreeSHAP) and
leaf indices (which leaf the row reaches in every tree; ``path_attribution`` turns those
into per-feature contributions).
The Python package does not expose these two functions, so we call them with ctypes on the
library it already loaded (``lightgbm.libpath._LIB``, which ``lightgbm.basic._LIB`` is),
with the booster's own handle.

Thread safety: one ``FastBooster`` must be used by one thread at a time. The C side locks
the booster, but the input and output buffers here are shared, preallocated arrays, and
reusing them is what makes the call cheap. The service calls it from its event-loop thread
only (one per worker process); a multi-threaded caller needs one ``FastBooster`` per thread.

Side effect: ``...FastInit`` calls ``omp_set_num_threads(num_threads)`` for the calling
thread, so LightGBM calls made later from that thread without an explicit ``num_threads``
also run single-threaded.
"""

from __future__ import annotations

import ctypes
import weakref
from collections.abc import Sequence
from typing import Final

import lightgbm
import numpy as np
import numpy.typing as npt
from lightgbm.libpath import _LIB

from services.returns_decision.engines.risk.errors import FastPredictError

# Constants from LightGBM's include/LightGBM/c_api.h.
C_API_DTYPE_FLOAT64: Final = 1
C_API_PREDICT_NORMAL: Final = 0
C_API_PREDICT_RAW_SCORE: Final = 1
C_API_PREDICT_LEAF_INDEX: Final = 2
C_API_PREDICT_CONTRIB: Final = 3

# int LGBM_BoosterPredictForMatSingleRowFastInit(BoosterHandle handle, const int predict_type,
#     const int start_iteration, const int num_iteration, const int data_type,
#     const int32_t ncol, const char* parameter, FastConfigHandle* out_fastConfig)
_fast_init = _LIB.LGBM_BoosterPredictForMatSingleRowFastInit
_fast_init.argtypes = [
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int32,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_void_p),
]
_fast_init.restype = ctypes.c_int

# int LGBM_BoosterPredictForMatSingleRowFast(FastConfigHandle fastConfig_handle,
#     const void* data, int64_t* out_len, double* out_result)
# No argtypes on purpose: every argument is passed as a prebuilt ctypes object, and
# skipping argtypes conversion keeps the per-call cost lowest.
_fast_predict = _LIB.LGBM_BoosterPredictForMatSingleRowFast
_fast_predict.restype = ctypes.c_int

_fast_free = _LIB.LGBM_FastConfigFree
_fast_free.argtypes = [ctypes.c_void_p]
_fast_free.restype = ctypes.c_int

_last_error = _LIB.LGBM_GetLastError
_last_error.restype = ctypes.c_char_p


def _error_text() -> str:
    raw = _last_error()
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else "unknown error"


def _free_configs(handles: list[ctypes.c_void_p]) -> None:
    for handle in handles:
        if handle.value:
            _fast_free(handle)
            handle.value = None


class FastBooster:
    """Predicts one row at a time for a binary LightGBM model, bypassing ``Booster.predict``.

    ``predict`` returns exactly what ``Booster.predict`` returns for that row (the sigmoid
    probability for a binary objective); ``contributions`` returns what
    ``Booster.predict(pred_contrib=True)`` returns: one SHAP value per feature, in raw-score
    (log-odds) units, then the expected value; ``leaf_indices`` returns what
    ``Booster.predict(pred_leaf=True)`` returns: the leaf the row reaches in each tree.
    """

    def __init__(self, booster: lightgbm.Booster, *, num_threads: int = 1) -> None:
        if booster.num_model_per_iteration() != 1:
            raise FastPredictError("FastBooster supports single-output (binary) models only")
        self._booster = booster  # keeps the C booster alive as long as the configs
        self.num_features: int = booster.num_feature()
        self.feature_names: list[str] = list(booster.feature_name())
        self.num_trees: int = booster.num_trees()
        # The input buffer is public so a caller can fill it in place and call predict_buffer().
        self.input: npt.NDArray[np.float64] = np.zeros(self.num_features, dtype=np.float64)
        self._out = np.zeros(1, dtype=np.float64)
        self._contrib_out = np.zeros(self.num_features + 1, dtype=np.float64)
        # The C API writes leaf indices as doubles, one per tree (num_iteration=-1: all trees).
        self._leaf_out = np.zeros(self.num_trees, dtype=np.float64)
        self._out_len = ctypes.c_int64(0)
        self._in_ptr = ctypes.c_void_p(self.input.ctypes.data)
        self._out_ptr = ctypes.c_void_p(self._out.ctypes.data)
        self._contrib_ptr = ctypes.c_void_p(self._contrib_out.ctypes.data)
        self._leaf_ptr = ctypes.c_void_p(self._leaf_out.ctypes.data)
        self._out_len_ref = ctypes.byref(self._out_len)
        params = f"num_threads={num_threads}".encode()
        handle = booster._handle  # the Python package's own BoosterHandle (ctypes.c_void_p)
        self._configs: list[ctypes.c_void_p] = []
        self._open = True
        # Registered before the first init so a failure half-way still frees what was made.
        self._finalizer = weakref.finalize(self, _free_configs, self._configs)
        self._normal_cfg = self._init(handle, C_API_PREDICT_NORMAL, params)
        self._raw_cfg = self._init(handle, C_API_PREDICT_RAW_SCORE, params)
        self._contrib_cfg = self._init(handle, C_API_PREDICT_CONTRIB, params)
        self._leaf_cfg = self._init(handle, C_API_PREDICT_LEAF_INDEX, params)
        # One call now, on the zero row: confirms LightGBM writes exactly one value per tree.
        self.leaf_indices_buffer()
        if self._out_len.value != self.num_trees:
            self.close()
            raise FastPredictError(
                f"leaf-index prediction gave {self._out_len.value} values for "
                f"{self.num_trees} trees"
            )

    def _init(self, handle: ctypes.c_void_p, predict_type: int, params: bytes) -> ctypes.c_void_p:
        config = ctypes.c_void_p()
        # num_iteration=-1: every tree in the model. Trained models are saved trimmed to their
        # best iteration, so this is also what Booster.predict uses on a loaded model.
        rc = _fast_init(
            handle,
            predict_type,
            0,
            -1,
            C_API_DTYPE_FLOAT64,
            self.num_features,
            params,
            ctypes.byref(config),
        )
        if rc != 0:
            raise FastPredictError(f"LGBM_BoosterPredictForMatSingleRowFastInit: {_error_text()}")
        self._configs.append(config)
        return config

    def load(self, row: Sequence[float] | npt.NDArray[np.float64]) -> None:
        """Copies ``row`` into ``self.input``, for the ``*_buffer`` methods."""
        if not self._open:
            raise FastPredictError("FastBooster is closed")
        if len(row) != self.num_features:
            raise FastPredictError(
                f"row has {len(row)} values, the model expects {self.num_features}"
            )
        self.input[:] = row

    def predict_buffer(self) -> float:
        """Predicts the row currently held in ``self.input``."""
        if not self._open:
            raise FastPredictError("FastBooster is closed")
        if _fast_predict(self._normal_cfg, self._in_ptr, self._out_len_ref, self._out_ptr):
            raise FastPredictError(f"LGBM_BoosterPredictForMatSingleRowFast: {_error_text()}")
        return float(self._out[0])

    def predict(self, row: Sequence[float] | npt.NDArray[np.float64]) -> float:
        """Probability (the objective's transformed output) for one row of features."""
        self.load(row)
        return self.predict_buffer()

    def predict_raw(self, row: Sequence[float] | npt.NDArray[np.float64]) -> float:
        """Raw score (log-odds for a binary model) for one row."""
        self.load(row)
        if _fast_predict(self._raw_cfg, self._in_ptr, self._out_len_ref, self._out_ptr):
            raise FastPredictError(f"LGBM_BoosterPredictForMatSingleRowFast: {_error_text()}")
        return float(self._out[0])

    def contributions(
        self, row: Sequence[float] | npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """SHAP values for one row: ``num_features`` values, then the expected value."""
        self.load(row)
        if _fast_predict(self._contrib_cfg, self._in_ptr, self._out_len_ref, self._contrib_ptr):
            raise FastPredictError(f"LGBM_BoosterPredictForMatSingleRowFast: {_error_text()}")
        return self._contrib_out.copy()

    def leaf_indices_buffer(self) -> npt.NDArray[np.float64]:
        """Leaf index per tree for the row in ``self.input``, as doubles (the C API's type).

        Returns the internal output buffer itself, not a copy: the next call overwrites it.
        """
        if not self._open:
            raise FastPredictError("FastBooster is closed")
        if _fast_predict(self._leaf_cfg, self._in_ptr, self._out_len_ref, self._leaf_ptr):
            raise FastPredictError(f"LGBM_BoosterPredictForMatSingleRowFast: {_error_text()}")
        return self._leaf_out

    def leaf_indices(self, row: Sequence[float] | npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Leaf index per tree for one row: ``Booster.predict(pred_leaf=True)`` for that row."""
        self.load(row)
        return self.leaf_indices_buffer().astype(np.int64)

    def close(self) -> None:
        """Frees the C-side configs now instead of at garbage collection."""
        self._open = False
        self._finalizer()
