#!/usr/bin/env python3
"""Makes a folder hold exactly a clone's files, writing only the files whose bytes differ.

Usage: scripts/mirror.py CLONE MIRROR
       scripts/mirror.py --back CLONE MIRROR

scripts/test.sh builds the test binaries (tiers 1 to 3) in MIRROR, a folder of this machine's
cache ($PW_TOOLS/mirror/promptwright), not in the clone. rustc keeps an incremental build only
for the folder it was made in (the working directory is part of what it compares), so a fresh
clone in a new folder compiled Promptwright's crates from nothing each time (the native test
build 35 s of two idle cores, the component tests' 24 s); built in one folder, a clone whose
files are the same bytes as the last one's reuses that build, and a changed file costs what it
costs in an editor's compile loop.

The files are the clone's tracked ones and its untracked ones that .gitignore does not exclude
(`git ls-files -co --exclude-standard`), or, without git, every file outside .git, target, dist
and artifacts. A file whose bytes and executable bit are the same is left alone (its time too:
cargo judges freshness by file times); a changed or new one is written; a file or folder the
clone does not have is removed, so a deleted test is not built from an old copy. Prints how many
files were written and removed.

With --back: the files the tests wrote under a `proptest-regressions` folder of the mirror (the
cases proptest saves when a property fails, meant to be committed) are copied to the clone where
it lacks them or holds other bytes, so the next mirroring does not remove them unseen.
"""
import os
import shutil
import stat
import subprocess
import sys

SKIP = {".git", "target", "dist", "artifacts"}


def clone_files(root):
    """Relative paths of the clone's files, sorted."""
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard"],
            check=True,
            capture_output=True,
        ).stdout
        names = {os.fsdecode(n) for n in out.split(b"\0") if n}
        # A deleted file still listed by the index is not there to copy.
        return sorted(n for n in names if os.path.isfile(os.path.join(root, n)))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            if dirpath == root:
                dirnames[:] = [d for d in dirnames if d not in SKIP]
            for f in filenames:
                found.append(os.path.relpath(os.path.join(dirpath, f), root))
        return sorted(found)


def same(src, dst):
    try:
        s, d = os.stat(src), os.stat(dst)
    except FileNotFoundError:
        return False
    if s.st_size != d.st_size or (s.st_mode & stat.S_IXUSR) != (d.st_mode & stat.S_IXUSR):
        return False
    with open(src, "rb") as a, open(dst, "rb") as b:
        return a.read() == b.read()


def copy(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    tmp = dst + ".mirror-part"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, os.stat(src).st_mode & 0o777)
    os.replace(tmp, dst)


def back(clone, mirror):
    copied = 0
    for dirpath, _, filenames in os.walk(mirror):
        if os.path.basename(dirpath) != "proptest-regressions":
            continue
        for f in filenames:
            src = os.path.join(dirpath, f)
            dst = os.path.join(clone, os.path.relpath(src, mirror))
            if not same(src, dst):
                copy(src, dst)
                copied += 1
                print(f"proptest saved a failing case: {os.path.relpath(dst, clone)}")
    return copied


def main():
    args = sys.argv[1:]
    if args[:1] == ["--back"] and len(args) == 3:
        back(*(os.path.abspath(p) for p in args[1:]))
        return
    if len(args) != 2:
        sys.exit(__doc__)
    clone, mirror = (os.path.abspath(p) for p in args)
    files = clone_files(clone)
    wanted = set(files)
    written = removed = 0
    for rel in files:
        src, dst = os.path.join(clone, rel), os.path.join(mirror, rel)
        if same(src, dst):
            continue
        if os.path.isdir(dst) and not os.path.islink(dst):
            shutil.rmtree(dst)
        copy(src, dst)
        written += 1
    # What the clone does not have: files, then the folders left empty.
    for dirpath, dirnames, filenames in os.walk(mirror, topdown=False):
        for f in filenames:
            path = os.path.join(dirpath, f)
            if os.path.relpath(path, mirror) not in wanted:
                os.remove(path)
                removed += 1
        for d in dirnames:
            path = os.path.join(dirpath, d)
            if os.path.islink(path):
                if os.path.relpath(path, mirror) not in wanted:
                    os.remove(path)
                    removed += 1
            elif not os.listdir(path):
                os.rmdir(path)
    print(f"{len(files)} files, {written} written, {removed} removed")


if __name__ == "__main__":
    main()
