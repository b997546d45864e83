"""Do the four-part settings resolve their tension tones? On held-out Bach chorale melodies (the
harmonizer's validation split), set by tunesmith.models.chorale.set_melody: the share of lower-voice
sevenths (of every seventh chord) that do not fall by step or hold, and of secondary dominants'
leading tones (third of V/x, root of viio/x) that do not rise a semitone where the next chord holds
the note they lead to. Also the soprano's own: sevenths and secondary leading tones that do not
resolve (fourpart._soprano_resolution_cost), secondary dominants followed by a chord off their
target's root (fourpart._target_cost), and final tonics not reached from a dominant.

    TUNESMITH_HOME=/tmp/bench-home python benchmarks/chorale_resolution.py [--n 40]
"""

from __future__ import annotations

import argparse

from tunesmith.models.chorale import set_melody
from tunesmith.models.chord_prior import bach_chorales
from tunesmith.score import Note
from tunesmith.theory import fourpart


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40, help="held-out chorales (the first in the cache)")
    args = parser.parse_args()
    held = [c for c in bach_chorales() if c["split"] == "heldout"][: args.n]
    bad7 = tot7 = bad_lead = tot_lead = unresolved_top = secondary = off_target = weak_final = 0
    for ch in held:
        tonic, minor = ch["tonic"], ch["minor"]
        soprano = [Note(p, s, d, 80) for p, s, d in ch["parts"][0]]
        setting = set_melody(soprano, tonic, minor, 480, cadence_ticks=ch["fermatas"]).setting
        vocab = fourpart.vocabulary(minor)
        labels, voices = setting.labels, setting.voices
        for i, label in enumerate(labels):
            if label:
                following = fourpart._soprano_next(setting.beats, i)
                cost = fourpart._soprano_resolution_cost(label, voices[i][0], following, tonic, minor)
                unresolved_top += cost > 0
            if "/" in label and (i == 0 or labels[i - 1] != label):
                secondary += 1
                after = next((b for b in labels[i + 1 :] if b != label), "")
                off_target += bool(after) and fourpart._target_cost(label, after, minor) > 0
        sung = [b for b in labels if b]
        final = len(sung) - 1
        while final > 0 and sung[final - 1] == sung[-1]:
            final -= 1
        weak_final += final > 0 and sung[final - 1] not in fourpart.DOMINANTS
        for i in range(1, len(labels)):
            a, b = labels[i - 1], labels[i]
            if not a or not b or a == b:
                continue
            root, pcs = vocab[a]
            if len(pcs) == 4:
                seventh = (tonic + pcs[3]) % 12
                for v in range(1, 4):
                    if voices[i - 1][v] % 12 == seventh:
                        tot7 += 1
                        fall = voices[i - 1][v] - voices[i][v]
                        bad7 += not (1 <= fall <= 2 or fall == 0)
            if "/" in a:
                lead = (tonic + fourpart.secondary_leading_tone(a, root)) % 12
                if (lead + 1) % 12 in {(tonic + r) % 12 for r in vocab[b][1]}:
                    for v in range(1, 4):
                        if voices[i - 1][v] % 12 == lead:
                            tot_lead += 1
                            bad_lead += voices[i][v] - voices[i - 1][v] != 1
    print(f"{len(held)} held-out chorales: lower-voice sevenths not falling by step (or held) {bad7}/{tot7}; "
          f"secondary leading tones not rising {bad_lead}/{tot_lead}; soprano sevenths and secondary "
          f"leading tones unresolved {unresolved_top}; secondary dominants off their target "
          f"{off_target}/{secondary}; final tonics not from a dominant {weak_final}")


if __name__ == "__main__":
    main()
