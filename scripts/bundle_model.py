"""Copy a trained generator (e.g. runs/wdrn-x4/final) into hf_srgan/pretrained/<name>/.

    python scripts/bundle_model.py runs/wdrn-x4/final wdrn-x4

Loads the folder strictly and writes config.json + model.safetensors with save_pretrained, so
the bundled folder is exactly what `SRGenerator.from_pretrained` and the Hub expect. The model
card (README.md) is written afterwards by scripts/make_model_card.py from measured results.
"""

import argparse
import shutil

from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import BUNDLED_DIR

if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", help="a saved generator folder")
    parser.add_argument("name", help="bundled name, e.g. wdrn-x4")
    args = parser.parse_args()
    model = SRGenerator.from_pretrained(args.source)
    target = BUNDLED_DIR / args.name
    shutil.rmtree(target, ignore_errors=True)
    model.save_pretrained(target)
    print(f"bundled {args.source} as {target}")
