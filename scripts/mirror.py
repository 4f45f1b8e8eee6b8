#!/usr/bin/env python3
"""Makes a folder hold exactly a clone's files, writing only the files whose bytes differ.

Usage: scripts/mirror.py CLONE MIRROR

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
        names = {n.decode() for n in out.split(b"\0") if n}
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


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    clone, mirror = (os.path.abspath(p) for p in sys.argv[1:])
    files = clone_files(clone)
    wanted = set(files)
    written = removed = 0
    for rel in files:
        src, dst = os.path.join(clone, rel), os.path.join(mirror, rel)
        if same(src, dst):
            continue
        if os.path.isdir(dst) and not os.path.islink(dst):
            shutil.rmtree(dst)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        tmp = dst + ".mirror-part"
        shutil.copyfile(src, tmp)
        os.chmod(tmp, os.stat(src).st_mode & 0o777)
        os.replace(tmp, dst)
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
