#!/usr/bin/env python3
"""Import loops in src/: the strongly connected components of the module import graph
(`use` paths and inline `crate::`/`super::` paths), flagged when one spans more than one
feature folder (domain::X, app, web::api, web::handlers, db, ...). Exits 1 if any does."""
import os, re, sys
from collections import defaultdict
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)[:-3]
            parts = rel.split('/')
            if parts[-1] == 'mod': parts = parts[:-1]
            if parts in (['lib'], ['main']): parts = []
            files['::'.join(parts)] = p
mods = set(files)
def resolve(path):
    segs = path.split('::')
    for n in range(len(segs), 0, -1):
        m = '::'.join(segs[:n])
        if m in mods: return m
    return None
def expand(prefix, body):
    # handle a::{b, c::{d}} roughly
    out = []
    depth = 0; cur = ''
    items = []
    for ch in body:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0:
            items.append(cur); cur = ''
        else: cur += ch
    items.append(cur)
    for it in items:
        it = it.strip()
        if not it: continue
        m = re.match(r'([\w:]*?)::\{(.*)\}$', it, re.S)
        if m: out += expand(prefix + '::' + m.group(1), m.group(2))
        else:
            name = it.split(' as ')[0].strip()
            out.append(prefix + ('::' + name if name not in ('self',) else ''))
    return out
edges = defaultdict(set)
for m, p in files.items():
    src = open(p).read()
    src = re.sub(r'#\[cfg\(test\)\]\s*mod tests \{.*', '', src, flags=re.S)
    cur = m.split('::') if m else []
    # if file is not mod.rs, its parent for super:: is cur[:-1]
    is_modrs = p.endswith('mod.rs') or p.endswith('lib.rs')
    base = cur if is_modrs else cur[:-1]
    targets = []
    for um in re.finditer(r'\buse\s+(crate|super|self)((?:::super)*)::([^;]+);', src):
        kind, supers, rest = um.group(1), um.group(2), um.group(3).strip()
        if kind == 'crate': pre = []
        elif kind == 'self': pre = cur if is_modrs else cur
        else:
            pre = base[:]
            for _ in range(supers.count('super')): pre = pre[:-1]
        prefix = '::'.join(pre)
        if rest.startswith('{'):
            paths = expand(prefix, rest[1:-1])
        else:
            m2 = re.match(r'([\w:]*?)::\{(.*)\}$', rest, re.S)
            paths = expand(prefix + ('::' if prefix else '') + m2.group(1), m2.group(2)) if m2 else [prefix + ('::' if prefix else '') + rest.split(' as ')[0]]
        targets += [t.strip(':') for t in paths]
    for um in re.finditer(r'\buse\s+([a-z_]\w*)::([^;]+);', src):
        head, rest = um.group(1), um.group(2).strip()
        if head in ('crate', 'super', 'self'): continue
        own = cur if is_modrs else cur
        if '::'.join(own + [head]) not in mods: continue
        prefix = '::'.join(own + [head])
        if rest.startswith('{'): paths = expand(prefix, rest[1:-1])
        else: paths = [prefix + '::' + rest.split(' as ')[0]]
        targets += [t.strip(':') for t in paths]
    for im in re.finditer(r'(?<![\w:])super::([\w:]+)', src):
        targets.append('::'.join(base) + '::' + im.group(1) if base else im.group(1))
    for im in re.finditer(r'\bcrate::([\w:]+)', src):
        targets.append(im.group(1))
    for t in targets:
        r = resolve(t.strip(':'))
        if r is not None and r != m and not m.startswith(r + '::') and r != '':
            edges[m].add(r)
# tarjan
index = {}; low = {}; st = []; on = set(); sccs = []; i = [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = i[0]; i[0] += 1; st.append(v); on.add(v)
    for w in edges[v]:
        if w not in index: strong(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        sccs.append(comp)
for v in list(files): 
    if v not in index: strong(v)
def folder(m):
    s = m.split('::')
    return '::'.join(s[:2]) if s[0] in ('domain', 'web', 'app') and len(s) > 2 else s[0]
bad = 0
for c in sccs:
    if len(c) > 1:
        fs = sorted({folder(m) for m in c})
        flag = 'SPANS' if len(fs) > 1 else 'within'
        if len(fs) > 1: bad += 1
        print(flag, fs, sorted(c))
print("loops spanning folders:", bad)
sys.exit(1 if bad else 0)
