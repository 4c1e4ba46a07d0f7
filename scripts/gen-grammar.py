# Regenerates src/cli/grammar/*.ts (data only) from lvm2 2.03.16 tools/args.h, commands.h and
# command-lines.in, read from a git clone of lvmteam/lvm2. Dev tool; not run by the build.
#   python3 scripts/gen-grammar.py /path/to/lvm2.git     (or LVM2_GIT=/path/to/lvm2.git)
import os, re, json, subprocess, sys
LVM2_GIT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('LVM2_GIT')
if not LVM2_GIT:
    sys.exit('usage: gen-grammar.py LVM2_GIT_DIR (a clone of https://github.com/lvmteam/lvm2 with tag v2_03_16)')
def show(p):
    return subprocess.check_output(['git','-C',LVM2_GIT,'show','v2_03_16:'+p]).decode()

OUT=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'cli', 'grammar') + os.sep
HDR='// Generated from lvm2 2.03.16 %s (data only); regenerate rather than hand-edit.\n'

def q(s): return json.dumps(s)

# ---- options (args.h) in enum order
args=show('tools/args.h')
opts=[]
for m in re.finditer(r"^arg\((\w+)_ARG, '(\\0|.)', \"([^\"]*)\", (\w+), ([\w|]+), (\d+)", args, re.M):
    name,short,long,val,flags,prio=m.groups()
    if name in ('ARG_UNUSED',): continue
    short='' if short=='\\0' else short
    fl=[]
    if 'ARG_COUNTABLE' in flags: fl.append('countable')
    if 'ARG_GROUPABLE' in flags: fl.append('groupable')
    val = '' if val=='0' else val.replace('_VAL','')
    opts.append((name,short,long,val,fl,int(prio)))
with open(OUT+'options.ts','w') as f:
    f.write(HDR%'tools/args.h')
    f.write("import type { OptionSpec } from './types.ts';\n\n")
    f.write("// In args.h enum order: lvm2 relies on this order for getopt tables, short-letter\n// lookup and the 'Common options for command' listing.\n")
    f.write("// [id (args.h enum without _ARG), short letter, long name, value type (vals.h enum without _VAL) or '', flags]\n")
    f.write("const RAW: readonly [string, string, string, string, string][] = [\n")
    for (name,short,long,val,fl,prio) in opts:
        f.write("  [%s, %s, %s, %s, %s],\n"%(q(name),q(short),q(long),q(val),q(','.join(fl))))
    f.write("];\n\n")
    f.write("export const OPTIONS: readonly OptionSpec[] = RAW.map(([id, short, long, val, flags]) => ({\n  id,\n  short,\n  long,\n  val,\n  countable: flags.includes('countable'),\n  groupable: flags.includes('groupable'),\n}));\n")

# ---- command names (commands.h)
cmds=show('tools/commands.h')
names=re.findall(r'^xx\((\w+),\s*\n?\s*"([^"]*)"', cmds, re.M)
with open(OUT+'command-names.ts','w') as f:
    f.write(HDR%'tools/commands.h')
    f.write("// Every lvm command name with the description `lvm help` prints, in lvm2's (sorted) order.\n")
    f.write("export const COMMAND_NAMES: readonly (readonly [string, string])[] = [\n")
    for n,d in names: f.write("  [%s, %s],\n"%(q(n),q(d)))
    f.write("];\n")
cmdnames=set(n for n,_ in names)

# ---- command-lines.in
lines=[l.rstrip('\n') for l in show('tools/command-lines.in').split('\n')]
lines=[l for l in lines if l and not l.startswith('#')]
oo_defs={}; oo_order=[]
defs=[]; cur=None; state=None
for l in lines:
    if l in ('---','--'): continue
    first=l.split(' ')[0]
    if first in cmdnames:
        cur={'name':first,'line':l}; defs.append(cur); state=None; continue
    if re.match(r'^OO_\w+:',first):
        n=first[:-1]; oo_defs[n]=l[len(first)+1:]; oo_order.append(n); state=('oodef',n); continue
    for key,k in (('OO:','oo'),('OP:','op'),('IO:','io')):
        if l.startswith(key):
            v=l[len(key):].strip()
            cur[k]=(cur.get(k,'')+' '+v).strip() if k in cur else v
            state=('def',k) if k!='io' else None; break
    else:
        if l.startswith('DESC:'): cur.setdefault('desc',[]).append(l[5:].lstrip(' ')); continue
        if l.startswith('ID:'): cur['id']=l.split(' ')[1]; continue
        if l.startswith('FLAGS:'): cur.setdefault('flags',[]).append(l[6:].strip()); continue
        if l.startswith('AUTOTYPE:'): cur.setdefault('autotype',[]).append(l.split(' ')[1]); continue
        if l.startswith('RULE:'): cur.setdefault('rules',[]).append(l[5:].strip()); continue
        if state and state[0]=='oodef': oo_defs[state[1]]+=' '+l; continue
        if state and state[0]=='def': cur[state[1]]+=' '+l; continue
        raise Exception('unparsed '+l)

with open(OUT+'oo-sets.ts','w') as f:
    f.write(HDR%'tools/command-lines.in')
    f.write("// Named option sets (OO_NAME: ...) that command definitions include; OO_ALL is part of every definition.\n")
    f.write("export const OO_SETS: Readonly<Record<string, string>> = {\n")
    for n in oo_order: f.write("  %s: %s,\n"%(n,q(oo_defs[n])))
    f.write("};\n")

def family(n):
    if n=='lvcreate': return 'lvcreate'
    if n=='lvconvert': return 'lvconvert'
    if n in ('lvchange',): return 'lvchange'
    if n.startswith('pv'): return 'pv'
    if n.startswith('vg'): return 'vg'
    if n.startswith('lv'): return 'lv'
    return 'misc'
fams={}
for d in defs: fams.setdefault(family(d['name']),[]).append(d)
for fam,ds in fams.items():
    with open(OUT+'defs-%s.ts'%fam,'w') as f:
        f.write(HDR%'tools/command-lines.in')
        f.write("// Command definitions in the command-lines.in mini-language, in file order\n// (help output and definition matching depend on this order).\n")
        f.write("import type { DefSource } from './types.ts';\n\n")
        f.write("export const DEFS: readonly DefSource[] = [\n")
        for d in ds:
            f.write("  {\n")
            for k in ('line','oo','op','io','id'):
                if k in d: f.write("    %s: %s,\n"%(k,q(d[k])))
            for k in ('desc','flags','autotype','rules'):
                if k in d:
                    f.write("    %s: [%s],\n"%(k,', '.join(q(x) for x in d[k])))
            f.write("  },\n")
        f.write("];\n")
print(sorted(fams), len(defs))
