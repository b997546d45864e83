"""The gallery: for every style, one seeded piece's first engraved page (MuseScore) and its piano roll,
as small PNGs in benchmarks/results/gallery/ (with the MusicXML they were made from).

    TUNESMITH_HOME=/tmp/gallery-home python benchmarks/gallery.py [--seed 7] [--model rnn]

Needs MuseScore 3 (`mscore3`) on PATH; runs it headless (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import available_styles
from tunesmith.render.piece import write_files

OUT = Path(__file__).parent / "results" / "gallery"
WIDTH = 820


def shrink(src: Path, dst: Path, width: int = WIDTH) -> None:
    """A small palette PNG (greyscale-friendly, 64 colours) of ``src`` at ``width`` pixels wide."""
    with Image.open(src) as im:
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, "white")
        im = Image.alpha_composite(white, im).convert("RGB")
        height = round(im.height * width / im.width)
        im = im.resize((width, height), Image.LANCZOS)
        im.quantize(colors=64).save(dst, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model", default=None, help="default: the best available (rnn when shipped)")
    parser.add_argument("--styles", nargs="*", default=None)
    args = parser.parse_args()
    if shutil.which("mscore3") is None:
        raise SystemExit("mscore3 (MuseScore 3) is needed for the engraved pages")
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    lines = ["| style | key | tempo | tracks | page | piano roll |", "|---|---|---|---|---|---|"]
    for style in args.styles or available_styles():
        piece = compose(ComposeRequest(style=style, seed=args.seed, candidates=1, model=args.model))
        with tempfile.TemporaryDirectory() as tmp:
            files = write_files(piece, tmp, formats=["musicxml", "png"], record=False)
            xml = files["musicxml"]
            shrink(files["png"], OUT / f"{style}-roll.png", 1000)
            page = Path(tmp) / "page.png"
            subprocess.run(
                ["mscore3", "-o", str(page), str(xml)], env=env, check=True, capture_output=True, timeout=300
            )
            first = sorted(Path(tmp).glob("page*.png"))[0]
            shrink(first, OUT / f"{style}-page.png")
        plan = piece.plan
        lines.append(
            f"| {style} | {plan.key.name} | {plan.tempo:g} | {len(piece.score.tracks)} | "
            f"![]({style}-page.png) | ![]({style}-roll.png) |"
        )
        print(style, "done", flush=True)
    readme = [
        "# Gallery: one seeded piece per style",
        "",
        f"Seed {args.seed}, model {args.model or 'default (best available)'}; first engraved page "
        "(MuseScore 3) and the piano roll. Made by:",
        "",
        "    TUNESMITH_HOME=/tmp/gallery-home python benchmarks/gallery.py"
        + (f" --seed {args.seed}" if args.seed != 7 else ""),
        "",
        *lines,
        "",
    ]
    (OUT / "README.md").write_text("\n".join(readme))


if __name__ == "__main__":
    main()
