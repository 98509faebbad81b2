"""The `hf-srgan` command line: `upscale` files and folders, `evaluate` on benchmark sets."""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from hf_srgan.evaluation import evaluate_generators, format_table
from hf_srgan.imageio import ImageLoadError, atomic_save, open_image
from hf_srgan.inference import DTYPES, upscale
from hf_srgan.models import ModelLoadError, SRGenerator
from hf_srgan.pretrained import DEFAULT_MODEL, model_guide
from hf_srgan.texture import DENOISE, TEXTURE, Blend, blend_of

# Write errors that no later image can escape: stop instead of failing every image the same way.
FATAL_WRITE_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}


class CLIError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


def add_inference_options(
    parser: argparse.ArgumentParser, several_models: bool = False, dtype: str = "auto"
) -> None:
    if several_models:
        parser.add_argument(
            "--model", nargs="+", default=[DEFAULT_MODEL], help="bundled names, folders or Hub ids"
        )
    else:
        parser.add_argument("--model", default=DEFAULT_MODEL, help="bundled name, local folder or Hub id")
    parser.add_argument(
        "--tile",
        type=tile_size,
        default="auto",
        help="largest tile side in input pixels; auto: largest within ~1.5 GB; 0: whole image",
    )
    parser.add_argument(
        "--overlap", type=int, default=16, help="context/blend overlap between tiles, input px"
    )
    parser.add_argument(
        "--dtype",
        choices=["auto", *DTYPES],
        default=dtype,
        help="auto: bf16 on CPUs with native bf16, fp16 on CUDA, else float32",
    )
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: best available)")
    parser.add_argument(
        "--self-ensemble", action="store_true", help="average the 8 flips/rotations: 8x slower, ~+0.1 dB"
    )


EXAMPLES = """examples:
  hf-srgan upscale photo.jpg holiday/ -o upscaled/
  hf-srgan upscale scan.tif -o out/ --model org/wdrn-x4 --dtype float32 --tile 256
  hf-srgan evaluate --model wdrn-x4 srresnet-x4 --data ../shared/data/benchmark/Set5 --json
  hf-srgan export --model wdrn-x4 --onnx wdrn-x4.onnx
  hf-srgan upscale photo.jpg -o out/ --model wdrn-x4.onnx      # onnxruntime (pip install 'hf-srgan[onnx]')
"""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option, and the epilog's lines kept as written."""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's default must not reset a --debug given before the subcommand.
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show full tracebacks"
    )
    parser = argparse.ArgumentParser(
        prog="hf-srgan",
        description="4x super-resolution with WDRN/SRGAN generators (bundled models work offline).",
        epilog=f"{EXAMPLES}\nwhich bundled model (--model):\n{model_guide()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = {"formatter_class": HelpFormatter, "parents": [common]}

    up = commands.add_parser(
        "upscale",
        help="upscale image files or folders of images",
        epilog=f"which bundled model (--model):\n{model_guide()}",
        **defaults,
    )
    up.add_argument("inputs", nargs="+", type=Path, help="image files and/or folders")
    up.add_argument("-o", "--output-dir", type=Path, required=True, help="where <name>_x<scale>.png files go")
    up.add_argument(
        "--outscale",
        type=positive_float,
        default=None,
        help="final scale (e.g. 2, 3, 1.5): the model's output resampled with an antialiased filter",
    )
    up.add_argument(
        "--texture",
        type=unit_float,
        default=None,
        help=f"your point between {TEXTURE.start} (0, faithful) and {TEXTURE.end} (1, invented texture): "
        "a blend of the two models' weights; with --model, a copy of either",
    )
    up.add_argument(
        "--denoise",
        type=unit_float,
        default=None,
        help=f"with --model {DENOISE.end} (or a copy of it): its denoise strength, from {DENOISE.start} "
        f"(0, keeps noise and JPEG blocks) to {DENOISE.end} (1, removes the blocks and the noise), a "
        "blend of the two models' weights",
    )
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
    add_inference_options(ev, several_models=True, dtype="float32")  # published figures are fp32
    ev.set_defaults(run=run_evaluate)

    ex = commands.add_parser("export", help="export a generator to ONNX for onnxruntime", **defaults)
    ex.add_argument("--model", default=DEFAULT_MODEL, help="bundled name, local folder or Hub id")
    ex.add_argument("--onnx", type=Path, required=True, help="the .onnx file to write")
    ex.add_argument("--opset", type=int, default=17)
    ex.set_defaults(run=run_export)
    return parser


def tile_size(text: str) -> int | str | None:
    """ "auto", 0 (no tiling) or a positive number of input pixels."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a number of pixels, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 'auto', 0 or positive, got {text!r}")
    return value or None


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def scale_label(scale: float) -> str:
    """2.0 -> "2", 1.5 -> "1.5": the part of an output name after "_x"."""
    return f"{scale:g}"


def load_model(name: str, blend: Blend | None = None, value: float | None = None) -> SRGenerator:
    """`name`, or with `blend` its two models blended at `value` (see `hf_srgan.texture`)."""
    try:
        if blend is not None:
            return blend.model(value)
        if name.endswith(".onnx"):
            from hf_srgan.onnx import OnnxGenerator

            return OnnxGenerator(name)
        return SRGenerator.from_pretrained(name)
    except Exception as err:  # ModelLoadError, HF errors, bad configs: all are the user's to fix
        raise CLIError(str(err).splitlines()[0]) from err


@dataclass
class Job:
    """One input image and where its result goes."""

    source: Path
    target: Path


def find_images(folder: Path) -> tuple[list[Path], list[str]]:
    """Image files under `folder` (symlinks followed once) and the entries that cannot be read.

    Broken symlinks and symlink loops are reported, not fatal: one bad entry must not stop a batch.
    """
    found, problems = [], []
    for root, dirs, files in os.walk(folder, onerror=lambda err: problems.append(f"{err.filename}: {err}")):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            try:
                path.resolve(strict=True)
            except (OSError, RuntimeError) as err:  # dangling link, loop, permission
                problems.append(f"{path}: unreadable path ({err.__class__.__name__}: {err})")
                continue
            found.append(path)
    return found, problems


def plan_jobs(inputs: list[Path], output_dir: Path, scale: str) -> tuple[list[Job], list[str]]:
    """Map inputs to outputs, mirroring each folder's tree under `output_dir`.

    Refuses (CLIError, before any work) when two inputs would write the same output, naming both.
    Files inside `output_dir` are skipped, so running with `-o` inside an input folder never
    upscales the tool's own earlier results.
    """
    out_root = output_dir.resolve()
    jobs, problems, claimed = [], [], {}
    for item in inputs:
        if item.is_dir():
            files, bad = find_images(item)
            problems += bad
            # Files under the output folder are earlier results of ours, not inputs.
            files = [f for f in files if out_root not in f.resolve().parents]
            pairs = [(f, output_dir / f.relative_to(item).parent) for f in files]
        else:
            pairs = [(item, output_dir)]
        for source, folder in pairs:
            target = folder / f"{source.stem}_x{scale}.png"
            key = os.path.normcase(os.path.abspath(target))
            if key in claimed:
                raise CLIError(
                    f"{claimed[key]} and {source} would both be written to {target}; "
                    "rename one or upscale them into different folders"
                )
            claimed[key] = source
            jobs.append(Job(source, target))
    return jobs, problems


def run_upscale(args: argparse.Namespace) -> int:
    # each control belongs to its models, bundled or a published or saved copy (`blend_of`)
    own = blend_of(args.model)
    if args.texture is not None and (own is None or own.name != TEXTURE.name):
        raise CLIError(f"--texture blends {TEXTURE.start} and {TEXTURE.end}: drop --model {args.model}")
    if args.denoise is not None and (own is None or own.name != DENOISE.name):
        raise CLIError(f"--denoise is {DENOISE.end}'s control: use it with --model {DENOISE.end}")
    value = args.texture if args.texture is not None else args.denoise
    model = load_model(args.model, own if value is not None else None, value)
    jobs, failures = plan_jobs(args.inputs, args.output_dir, scale_label(args.outscale or model.scale))
    for problem in failures:
        tqdm.write(f"skipped {problem}", file=sys.stderr)
    if not jobs and not failures:
        raise CLIError("no input images found")
    inputs = {job.source.resolve() for job in jobs}
    written = 0
    for job in tqdm(jobs, desc="images", unit="img"):
        try:
            if job.target.resolve() in inputs:
                raise ImageLoadError(str(job.source), f"output {job.target} would overwrite an input")
            image = open_image(job.source)
            try:
                result = upscale(
                    model,
                    image,
                    tile=args.tile,
                    overlap=args.overlap,
                    dtype=args.dtype,
                    device=args.device,
                    self_ensemble=args.self_ensemble,
                    progress=max(image.size) > 1024,
                    outscale=args.outscale,
                )
            except ValueError as err:  # a mode or value range with no clear meaning
                raise ImageLoadError(str(job.source), str(err)) from None
            job.target.parent.mkdir(parents=True, exist_ok=True)
            atomic_save(result, job.target)
            written += 1
        except ImageLoadError as err:
            failures.append(str(err))
            tqdm.write(f"skipped {err}", file=sys.stderr)
        except OSError as err:  # writing: full disk, permissions; the temporary file is gone already
            if err.errno in FATAL_WRITE_ERRORS:
                raise CLIError(f"cannot write to {args.output_dir} ({err.strerror}); stopped") from err
            failures.append(f"{job.source}: could not write {job.target} ({err.strerror or err})")
            tqdm.write(f"failed {failures[-1]}", file=sys.stderr)
    print(f"{written} upscaled into {args.output_dir}, {len(failures)} failed")
    return 1 if failures else 0


def run_evaluate(args: argparse.Namespace) -> int:
    try:
        results = evaluate_generators(
            args.model,
            args.data,
            with_niqe=args.niqe,
            tile=args.tile,
            overlap=args.overlap,
            dtype=args.dtype,
            device=args.device,
            self_ensemble=args.self_ensemble,
        )
    except (FileNotFoundError, ImageLoadError, ModelLoadError, ValueError) as err:
        raise CLIError(str(err).splitlines()[0]) from err
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


def _terminate(signum: int, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so a save in progress removes its temporary file."""
    raise KeyboardInterrupt


def run_export(args: argparse.Namespace) -> int:
    from hf_srgan.onnx import export_onnx

    model = load_model(args.model)
    args.onnx.parent.mkdir(parents=True, exist_ok=True)
    export_onnx(model, args.onnx, opset=args.opset)
    print(f"wrote {args.onnx} (ONNX opset {args.opset}, float32, dynamic batch/height/width)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
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
