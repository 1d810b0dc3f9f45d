"""actlab.analysis: look inside networks, for any zoo or learnable activation.

- `mi`: mutual information (binning, adaptive binning, KDE bounds, KSG) through `mutual_information`.
- `infoplane`: the information plane of the 12-10-7-5-4-3-2 network (cached runs).
- `sparsity` / `sparsify`: dead neurons, firing frequency, CETT, PPL-p%, Top-k, FAT, CATS, WINA via hooks.
- `massive`: massive-activation census.
- `signal` / `kernels`: moment map, mean-field maps, depth propagation; dual kernels and the NTK.

Submodules are imported on demand (``from actlab.analysis.mi import mutual_information``).
"""
