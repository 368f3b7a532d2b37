#!/usr/bin/env python3
"""Run the real parsers (../shared/oracle) on every oracle case and on every
racoon.conf and setkey file of corpus/, and write what they say to
tests/oracle/verdicts.jsonl. See tests/oracle/README.md.

Usage: python3 tests/oracle/label.py --oracle $ORACLE/prefix/bin
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def profile_of(path, text):
    """freebsd12 when the case says so, or when its gateway runs FreeBSD 12."""
    if '# profile: freebsd12' in text:
        return 'freebsd12'
    d = os.path.dirname(path)
    while d.startswith(os.path.join(ROOT, 'corpus')) and d != os.path.join(ROOT, 'corpus'):
        v = os.path.join(d, 'bin', 'freebsd-version')
        if os.path.isfile(v):
            m = re.search(r'USERLAND_VERSION="(\d+)', open(v).read())
            return 'freebsd12' if m and int(m.group(1)) < 13 else 'freebsd13'
        d = os.path.dirname(d)
    return 'freebsd13'


def mask(token, message=''):
    """Keys are never kept, even ours: a quoted or long hex token, or the
    token of a key-length message, is masked."""
    keyish = 'key length' in message or 'Not supported' in message
    if keyish or token.startswith('"') or re.fullmatch(r'0[xX][0-9a-fA-F]{9,}|[0-9A-Za-z]{12,}', token):
        return 'KEY'
    return token


def racoon_verdict(out, rc, rel):
    errors = []
    for line in out.splitlines():
        m = re.search(r'ERROR: (.*?):(\d+): (.*)$', line)
        if m:
            # racoon quotes the token it stopped at: a quoted one may be a
            # radius or LDAP secret. Paths (`"/...`) are kept.
            message = re.sub(r'^""(?!/)[^"]*"', '"KEY"', m.group(3))
            errors.append({'line': int(m.group(2)), 'message': message})
    if rc == 0:
        return {'verdict': 'accept'}
    if errors:
        first = errors[0]
        # `(null):0`: an unterminated block at the end of the file has no line.
        return {'verdict': 'reject', 'line': first['line'] or None, 'message': first['message']}
    msgs = [re.sub(r'^.*?ERROR: ', '', l) for l in out.splitlines() if 'ERROR:' in l]
    return {'verdict': 'reject', 'line': None, 'message': '; '.join(msgs)[:300]}


def setkey_verdict(out, rc):
    """exit 0 accepted (warnings are kept), 1 a parse failure, 2 parsed but
    the emulated kernel refused a command."""
    said = [(int(n), m, t) for n, m, t in re.findall(r'^line (\d+): (.*?) at \[(.*?)\]$', out, re.M | re.S)]
    warnings = [f'{m} at [{mask(t)}]' for n, m, t in said if m.startswith('WARNING')]
    errors = [(n, m, t) for n, m, t in said if not m.startswith('WARNING')]
    extra = {'warnings': warnings} if warnings else {}
    if rc == 0:
        return {'verdict': 'accept', **extra}
    if rc == 2:
        kernel = [(int(n), m) for n, m in re.findall(r'The result of line (\d+): (.*)', out)]
        return {'verdict': 'kernel-reject', 'lines': [n for n, _ in kernel],
                'message': kernel[0][1] if kernel else out.strip()[:300]}
    if errors:
        n, m, t = errors[0]
        return {'verdict': 'reject', 'line': n, 'message': f'{m} at [{mask(t, m)}]'}
    failed = re.search(r'parse failed, line (\d+)', out)
    if failed:
        return {'verdict': 'reject', 'line': int(failed.group(1)), 'message': 'parse failed'}
    return {'verdict': 'reject', 'line': None, 'message': out.strip()[:300]}


def cases():
    for kind in ('racoon', 'setkey'):
        d = os.path.join(ROOT, 'tests', 'oracle', kind)
        for name in sorted(os.listdir(d)):
            yield kind, os.path.join(d, name)
    # The cases with ipseclint's safe fixes applied (make_fixed.py).
    fixed = os.path.join(ROOT, 'tests', 'oracle', 'fixed')
    for name in sorted(os.listdir(fixed)) if os.path.isdir(fixed) else []:
        yield ('racoon' if name.endswith('.racoon.conf') else 'setkey'), os.path.join(fixed, name)
    for dirpath, _, files in sorted(os.walk(os.path.join(ROOT, 'corpus'))):
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            if name == 'racoon.conf':
                yield 'racoon', p
            elif name == 'ipsec.conf':
                yield 'setkey', p


def label(oracle, kind, path):
    text = open(path, newline='').read()
    rel = os.path.relpath(path, ROOT)
    profile = profile_of(path, text)
    # The kernel's check of reserved SPIs is always on: FreeBSD refuses them.
    spi = True
    if kind == 'racoon':
        cmd = [os.path.join(oracle, 'racoon-check'), '--profile', profile, rel]
    else:
        cmd = [os.path.join(oracle, 'setkey-check'), '--profile', profile] + (['--spi'] if spi else []) + [rel]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors='replace', timeout=60)
    out = p.stdout + p.stderr
    v = racoon_verdict(out, p.returncode, rel) if kind == 'racoon' else setkey_verdict(out, p.returncode)
    return {'file': rel, 'parser': kind, 'profile': profile, **v}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', required=True, help='directory with racoon-check and setkey-check')
    args = ap.parse_args()
    rows = [label(args.oracle, kind, path) for kind, path in cases()]
    with open(os.path.join(ROOT, 'tests', 'oracle', 'verdicts.jsonl'), 'w') as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True) + '\n')
    count = {}
    for r in rows:
        k = (r['parser'], r['verdict'])
        count[k] = count.get(k, 0) + 1
    for k, n in sorted(count.items()):
        print(f'{k[0]:7} {k[1]:14} {n}')


if __name__ == '__main__':
    sys.exit(main())
