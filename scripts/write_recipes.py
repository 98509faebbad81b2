"""Write configs/recipes/<model>/<nn>-<run>.yaml for every stage of every bundled model.

    python scripts/write_recipes.py [--models wdrn-x4-gan]

Each file is the recorded command of that stage (`training.json`), as options. Run it after
`bundle_model.py`; tests/test_recipe_files.py checks that files and records agree.
"""

from __future__ import annotations

import argparse

from hf_srgan.pretrained import bundled_models
from hf_srgan.recipe_files import recipe_paths, stage_owners, stages, write_recipe


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="*", default=bundled_models())
    args = parser.parse_args()
    for model in args.models:
        for index, (stage, owner, path) in enumerate(
            zip(stages(model), stage_owners(model), recipe_paths(model), strict=True)
        ):
            if owner != model:
                continue  # written with the model that first had this stage
            comment = (
                f"{model}, stage {index + 1} of {len(stages(model))} ({stage['steps']:,} steps recorded).\n"
                f"accelerate launch train_accelerate.py --config {path.relative_to(path.parents[3])}"
            )
            write_recipe(path, stage["command"], comment)
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
