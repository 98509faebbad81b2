"""Create (or update) the Hugging Face Space: uploads space/ and the hf_srgan package beside app.py.

    hf auth login
    python scripts/deploy_space.py --repo_id YOUR_NAME/hf-srgan

Needs network access and a write token, so it is not run by the tests.
"""

import argparse
from pathlib import Path

from huggingface_hub import HfApi

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repo_id", required=True, help="e.g. your-name/hf-srgan")
    parser.add_argument("--private", action="store_true")
    args = parser.parse_args()
    api = HfApi()
    api.create_repo(args.repo_id, repo_type="space", space_sdk="gradio", private=args.private, exist_ok=True)
    api.upload_folder(repo_id=args.repo_id, repo_type="space", folder_path=ROOT / "space")
    api.upload_folder(
        repo_id=args.repo_id,
        repo_type="space",
        folder_path=ROOT / "hf_srgan",
        path_in_repo="hf_srgan",
        ignore_patterns=["__pycache__/*", "*.pyc"],
    )
    print(f"https://huggingface.co/spaces/{args.repo_id}")
