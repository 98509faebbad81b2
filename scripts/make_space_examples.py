"""Write the Space's example inputs: public-domain / CC0 photos shipped with scikit-image, shrunk 4x.

Run once (needs the dev extra): python scripts/make_space_examples.py
"""

from pathlib import Path

from PIL import Image
from skimage import data

OUT = Path(__file__).resolve().parents[1] / "space" / "examples"
# name -> (loader, licence as stated in scikit-image's docstring)
SOURCES = {
    "astronaut": (data.astronaut, "public domain (NASA)"),
    "coffee": (data.coffee, "CC0, Rachel Michetti"),
    "chelsea": (data.chelsea, "CC0, Stefan van der Walt"),
}

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (load, licence) in SOURCES.items():
        image = Image.fromarray(load())
        small = image.resize((image.width // 4, image.height // 4), Image.Resampling.BICUBIC)
        small.save(OUT / f"{name}.png", optimize=True)
        print(f"{name}.png {small.size} ({licence})")
