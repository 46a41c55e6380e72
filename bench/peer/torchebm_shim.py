"""Imports TorchEBM from a source tree on Debian's PyTorch 1.13.

TorchEBM wants torch >= 2.10; on 1.13 it needs four shims, installed by
load_torchebm: a torchebm._version module (setuptools-scm writes it on
install), torch.func (functorch in 1.13), randn_like's generator argument and
Module._apply's recurse argument (both torch 2). Shared by the peer scripts
that run TorchEBM (torchebm_images.py, torchebm/run.py).
"""
import importlib
import inspect
import os
import sys
import types

import torch

DEFAULT = "/tmp/torchebm-src"


def load_torchebm(path):
    """Imports TorchEBM from a source tree, shimmed for torch 1.13."""
    if not os.path.isdir(os.path.join(path, "torchebm")):
        sys.exit(f"no TorchEBM source in {path}: see bench/peer/README.md")
    sys.path.insert(0, path)
    version = types.ModuleType("torchebm._version")
    version.__version__ = "source"
    sys.modules.setdefault("torchebm._version", version)
    if "torch.func" not in sys.modules:
        try:
            importlib.import_module("torch.func")  # torch 2
        except ImportError:
            sys.modules["torch.func"] = importlib.import_module("functorch")
    try:
        torch.randn_like(torch.zeros(1), generator=None)
    except TypeError:
        plain = torch.randn_like

        def randn_like(x, *, generator=None, dtype=None, device=None, **kw):
            if generator is None:
                return plain(x, dtype=dtype, device=device, **kw)
            return torch.randn(x.shape, generator=generator, dtype=dtype or x.dtype, device=device or x.device)

        torch.randn_like = randn_like
    import torchebm.core
    import torchebm.losses
    import torchebm.samplers
    base = torchebm.core.base_module.TorchEBMModule
    if "recurse" not in inspect.signature(torch.nn.Module._apply).parameters:
        def _apply(self, fn, recurse=True):  # torch 1.13's _apply has no recurse
            out = torch.nn.Module._apply(self, fn)
            self._cached_device = self._cached_dtype = None  # what TorchEBM's override resets
            return out

        base._apply = _apply
    return torchebm
