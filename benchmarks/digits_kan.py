"""`digits_kan`, the KAN twin of `digits_mlp` for the KAN-vs-MLP claim, registered on demand by the scripts that use it.

In a file of its own because a task's fingerprint hashes the module that defines its ``build``: edits to the
claims script's reporting must not turn stored `digits_kan` runs into stale ones."""
from __future__ import annotations

KAN_WIDTH = 12  # KAN [64, 12, 10] (B-spline, G=5, k=3): 8,880 trainable parameters vs digits_mlp's 8,970 (−1%)


def register_digits_kan() -> None:
    """`digits_kan`: digits_mlp's data, loss, metric and budget with a KAN of about the MLP's parameter count in
    place of the MLP; the activation under test is the KAN's residual base function (pykan's SiLU slot), so each
    activation meets its MLP twin — the pairing of Yu, Yu & Wang 2024 ('KAN or MLP: A Fairer Comparison')."""
    import dataclasses

    from actlab.kan import KAN
    from actlab.tasks import get_task, names, register_task

    if "digits_kan" in names():
        return

    def build_kan(act, info, act_params, width: int = KAN_WIDTH):
        return KAN([info["in_features"], width, info["n_classes"]], basis="bspline", grid=5, base=act)

    mlp = get_task("digits_mlp")
    register_task(dataclasses.replace(mlp, name="digits_kan", build=build_kan, model_kw={"width": KAN_WIDTH},
                                      aliases=(), description="digits_mlp with an equal-parameter KAN"))
