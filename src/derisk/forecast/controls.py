"""Export controls as allowed shares of China-origin flows, by whom they hit.

One home for the rule "which control applies to which flow", so the chain and the
allocation cannot disagree. A control names its targets: 'all' (every buyer), a bloc
code, or 'target' (whichever bloc the run is for). Three scopes:

- world: the chain's trade (Chinese exports to processors outside China) is cut only
  by controls on 'all' — a control aimed at one bloc must not act as a world embargo;
- bloc: China's own exports to the bloc, cut by every control that hits it;
- third: material made outside China from Chinese inputs and sold to the bloc, cut by
  the controls aimed at the bloc itself, of which `china.reexport_share` still leaks
  through third countries (0: the control reaches those products too).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from derisk.forecast.scenario import Scenario

Scope = Literal["world", "bloc", "third"]


def allowed_share(
    scenario: Scenario,
    years: np.ndarray,
    bloc: str,
    *,
    stage: str | None,
    scope: Scope,
    elements: tuple[str, ...],
) -> np.ndarray:
    """Allowed share (0-1) of the China-origin flow per (element, year) under the controls."""
    allowed = np.ones((len(elements), len(years)))
    for control in scenario.china.export_controls:
        targets = set(control.target_blocs)
        hits_bloc = bool(targets & {bloc, "target"})
        applies = {
            "world": "all" in targets,
            "bloc": "all" in targets or hits_bloc,
            "third": hits_bloc,
        }[scope]
        if not applies or (stage is not None and stage not in control.stages):
            continue
        on = (years >= control.start) & (
            years <= (control.end if control.end is not None else 10_000)
        )
        rate = control.approval_rate
        if scope == "third":
            rate = rate + (1 - rate) * scenario.china.reexport_share
        for j, element in enumerate(elements):
            if element in control.elements:
                allowed[j, on] *= rate
    return allowed
