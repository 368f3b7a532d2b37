#!/usr/bin/env python3
"""Copy every oracle case (and corpus racoon.conf/setkey file) for which
ipseclint offers a safe fix into tests/oracle/fixed/, and apply the fixes
there with `ipseclint --fix`. label.py then asks the real parsers about the
fixed files, and tests/oracle.rs checks that each fix made progress.

Usage: python3 tests/oracle/make_fixed.py target/release/ipseclint
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    exe = os.path.abspath(sys.argv[1])
    out = os.path.join(HERE, 'fixed')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    n = 0
    for kind in ('racoon', 'setkey'):
        d = os.path.join(HERE, kind)
        for name in sorted(os.listdir(d)):
            src = os.path.join(d, name)
            # `--diff` exits 1 when there is a safe fix to apply.
            r = subprocess.run([exe, '--diff', os.path.relpath(src, ROOT)], cwd=ROOT,
                               capture_output=True, text=True)
            if r.returncode != 1 or not r.stdout.startswith('---'):
                continue
            dst = os.path.join(out, name)
            shutil.copyfile(src, dst)
            subprocess.run([exe, '--fix', os.path.relpath(dst, ROOT)], cwd=ROOT, capture_output=True)
            n += 1
    print(f'{n} fixed cases')


if __name__ == '__main__':
    main()
