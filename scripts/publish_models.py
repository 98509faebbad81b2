"""Publish the bundled models to the Hugging Face Hub, one model repository each.

    hf auth login
    python scripts/publish_models.py --org YOUR_ORG              # upload every bundled model
    python scripts/publish_models.py --org YOUR_ORG --dry-run    # stage and check only (offline)

Each bundled folder (`hf_srgan/pretrained/<name>/`) is staged as it will be uploaded: weights,
config, training record, terms file and card, with the card's `base_model` pointing at the same
org. The staged folder is checked before anything is sent: the card parses with huggingface_hub
and has a licence link, the weights load strictly, and every file the card links to exists.
Bad org names and offline mode are refused before any work.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from huggingface_hub import HfApi, ModelCard
from huggingface_hub import constants as hf_constants
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from hf_srgan.model_card import PUBLISHED_ORG
from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import BUNDLED_DIR, bundled_models

LINK = re.compile(r"\]\(([^)\s]+)\)")


def stage_model(name: str, org: str, destination: Path) -> Path:
    """Copy a bundled model into `destination` with its card's base_model moved to `org`."""
    folder = destination / name
    shutil.copytree(BUNDLED_DIR / name, folder, ignore=shutil.ignore_patterns("__pycache__"))
    card = ModelCard.load(folder / "README.md")
    if card.data.base_model:
        card.data.base_model = card.data.base_model.replace(f"{PUBLISHED_ORG}/", f"{org}/", 1)
    card.save(folder / "README.md")
    return folder


def check_staged(folder: Path) -> list[str]:
    """Problems that would make the published repository wrong; empty when it is fine."""
    problems = []
    card = ModelCard.load(folder / "README.md")
    if card.data.license == "other" and not (folder / str(card.data.license_link)).is_file():
        problems.append(f"licence link {card.data.license_link} is not in the folder")
    for target in LINK.findall(card.text):
        if not re.match(r"[a-z]+://", target) and not (folder / target.split("#")[0]).exists():
            problems.append(f"the card links to {target}, which is not in the folder")
    try:
        SRGenerator.from_pretrained(folder)
    except Exception as err:  # every loading failure is a reason not to publish
        problems.append(f"weights do not load: {err}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--org", required=True, help="Hub user or organisation to publish under")
    parser.add_argument("--models", nargs="+", default=None, help="bundled names (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="stage and check, upload nothing")
    parser.add_argument("--private", action="store_true")
    args = parser.parse_args(argv)
    models = args.models or bundled_models()
    unknown = sorted(set(models) - set(bundled_models()))
    if unknown:
        parser.error(f"not bundled: {', '.join(unknown)} (bundled: {', '.join(bundled_models())})")
    for name in models:
        try:
            validate_repo_id(f"{args.org}/{name}")
        except HFValidationError as err:
            parser.error(f"--org {args.org!r}: {err}")
    if not args.dry_run and hf_constants.HF_HUB_OFFLINE:
        parser.error("cannot upload with HF_HUB_OFFLINE=1 (use --dry-run to check offline)")
    with tempfile.TemporaryDirectory() as tmp:
        staged = {name: stage_model(name, args.org, Path(tmp)) for name in models}
        failed = {name: check_staged(folder) for name, folder in staged.items()}
        for name, problems in failed.items():
            for problem in problems:
                print(f"{name}: {problem}", file=sys.stderr)
            print(f"{name}: {'FAILED' if problems else 'ok'} ({args.org}/{name})")
        if any(failed.values()):
            return 1
        if args.dry_run:
            return 0
        api = HfApi()
        for name, folder in staged.items():
            repo_id = f"{args.org}/{name}"
            api.create_repo(repo_id, private=args.private, exist_ok=True)
            api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message=f"Publish {name}")
            print(f"https://huggingface.co/{repo_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
