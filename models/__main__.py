"""``python -m models``: training, evaluation and registry commands.

Commands for the returns risk models (train fraud|wardrobing, synth, list, show, promote,
rollback, build-defaults) live in ``models.returns.cli``.
"""

from models.returns.cli import main

raise SystemExit(main())
