"""The `hf-srgan` command line: `upscale` files and folders, `evaluate` on benchmark sets."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from tqdm.auto import tqdm

from hf_srgan.evaluation import evaluate_generators, format_table
from hf_srgan.imageio import ImageLoadError, open_image
from hf_srgan.inference import DTYPES, upscale
from hf_srgan.models import ModelLoadError, SRGenerator
from hf_srgan.pretrained import DEFAULT_MODEL

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


def add_inference_options(parser: argparse.ArgumentParser, several_models: bool = False) -> None:
    if several_models:
        parser.add_argument(
            "--model", nargs="+", default=[DEFAULT_MODEL], help="bundled names, folders or Hub ids"
        )
    else:
        parser.add_argument("--model", default=DEFAULT_MODEL, help="bundled name, local folder or Hub id")
    parser.add_argument("--tile", type=int, default=192, help="tile size in input pixels (0 = whole image)")
    parser.add_argument(
        "--overlap", type=int, default=16, help="context/blend overlap between tiles, input px"
    )
    parser.add_argument(
        "--dtype", choices=["auto", *DTYPES], default="float32", help="auto: bf16 CPU / fp16 CUDA"
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: best available)")
    parser.add_argument(
        "--self-ensemble", action="store_true", help="average the 8 flips/rotations: 8x slower, ~+0.1 dB"
    )


EXAMPLES = """examples:
  hf-srgan upscale photo.jpg holiday/ -o upscaled/
  hf-srgan upscale scan.tif -o out/ --model org/wdrn-x4 --dtype auto --tile 256
  hf-srgan evaluate --model wdrn-x4 srresnet-x4 --data ../shared/data/benchmark/Set5 --json
"""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's default must not reset a --debug given before the subcommand.
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show full tracebacks"
    )
    parser = argparse.ArgumentParser(
        prog="hf-srgan",
        description="4x super-resolution with WDRN/SRGAN generators (bundled models work offline).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = {"formatter_class": argparse.ArgumentDefaultsHelpFormatter, "parents": [common]}

    up = commands.add_parser("upscale", help="upscale image files or folders of images", **defaults)
    up.add_argument("inputs", nargs="+", type=Path, help="image files and/or folders")
    up.add_argument("-o", "--output-dir", type=Path, required=True, help="where <name>_x<scale>.png files go")
    add_inference_options(up)
    up.set_defaults(run=run_upscale)

    ev = commands.add_parser(
        "evaluate", help="PSNR/SSIM [NIQE] (Y channel, shave=scale) on benchmark folders", **defaults
    )
    ev.add_argument("--data", nargs="+", required=True, help="folders with HR/ and LR_bicubic/X<scale>/")
    ev.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ev.add_argument(
        "--niqe", action="store_true", help="add NIQE (no-reference, lower = more natural) and an HR row"
    )
    add_inference_options(ev, several_models=True)
    ev.set_defaults(run=run_evaluate)
    return parser


def load_model(name: str) -> SRGenerator:
    try:
        return SRGenerator.from_pretrained(name)
    except Exception as err:  # ModelLoadError, HF errors, bad configs: all are the user's to fix
        raise CLIError(str(err).splitlines()[0]) from err


def iter_inputs(inputs: list[Path]) -> Iterator[Path]:
    """Files as given; folders expanded (recursively) to the image files in them."""
    for path in inputs:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        else:
            yield path


def run_upscale(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    files = list(iter_inputs(args.inputs))
    if not files:
        raise CLIError("no input images found")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    inputs = {f.resolve() for f in files}
    failures = []
    for path in tqdm(files, desc="images", unit="img"):
        target = args.output_dir / f"{path.stem}_x{model.scale}.png"
        try:
            if target.resolve() in inputs:
                raise ImageLoadError(str(path), f"output {target} would overwrite an input")
            image = open_image(path)
            big = args.tile and max(image.size) > args.tile
            result = upscale(
                model,
                image,
                tile=args.tile or None,
                overlap=args.overlap,
                dtype=args.dtype,
                device=args.device,
                self_ensemble=args.self_ensemble,
                progress=bool(big),
            )
            result.save(target)
        except ImageLoadError as err:
            failures.append(str(err))
            tqdm.write(f"skipped {err}", file=sys.stderr)
    print(f"{len(files) - len(failures)} upscaled into {args.output_dir}, {len(failures)} failed")
    return 1 if failures else 0


def run_evaluate(args: argparse.Namespace) -> int:
    try:
        results = evaluate_generators(
            args.model,
            args.data,
            with_niqe=args.niqe,
            tile=args.tile or None,
            overlap=args.overlap,
            dtype=args.dtype,
            device=args.device,
            self_ensemble=args.self_ensemble,
        )
    except (FileNotFoundError, ImageLoadError, ModelLoadError, ValueError) as err:
        raise CLIError(str(err).splitlines()[0]) from err
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.debug = getattr(args, "debug", False)
    try:
        return args.run(args)
    except CLIError as err:
        if args.debug:
            raise
        print(f"hf-srgan: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hf-srgan: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if args.debug:
            raise
        print(
            f"hf-srgan: error: {type(err).__name__}: {err} (rerun with --debug for a traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
