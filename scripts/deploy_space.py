"""Create (or update) the Hugging Face Space: space/ with the hf_srgan package beside app.py.

    hf auth login
    python scripts/deploy_space.py --repo_id YOUR_NAME/hf-srgan

The upload needs network access and a write token, so the tests check the staged folder
(`stage_space`) instead: that it runs as a Space would run it.
"""

import argparse
import shutil
import tempfile
from pathlib import Path

from huggingface_hub import HfApi

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "flagged", ".gradio")


def stage_space(destination: Path) -> Path:
    """Lay out the Space repository: app.py, its files, and the package with its bundled models."""
    shutil.copytree(ROOT / "space", destination, ignore=IGNORE)
    shutil.copytree(ROOT / "hf_srgan", destination / "hf_srgan", ignore=IGNORE)
    return destination


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repo_id", required=True, help="e.g. your-name/hf-srgan")
    parser.add_argument("--private", action="store_true")
    args = parser.parse_args()
    api = HfApi()
    api.create_repo(args.repo_id, repo_type="space", space_sdk="gradio", private=args.private, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        staged = stage_space(Path(tmp) / "space")
        api.upload_folder(repo_id=args.repo_id, repo_type="space", folder_path=staged)
    print(f"https://huggingface.co/spaces/{args.repo_id}")
