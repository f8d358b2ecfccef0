#!/usr/bin/env python3
"""Static checks of one built addon against the target it was built for.

    python3 scripts/check-artifact.py TARGET FILE.node

Linux (ELF; needs binutils' readelf):
  - ELF class, machine and ABI flags match the target (x86-64, AArch64, ARM EABI5 hard-float);
  - a shared object that exports `napi_register_module_v1`;
  - gnu: the highest GLIBC_x.y symbol version it needs is <= 2.17;
  - musl: it needs nothing but musl's libc (NEEDED is exactly `libc.so`) and no GLIBC_* version.
macOS (Mach-O, read here without any Apple tool):
  - a 64-bit Mach-O dylib of the right CPU type that exports `_napi_register_module_v1`;
  - the minimum macOS version: LC_VERSION_MIN_MACOSX or LC_BUILD_VERSION (platform macOS) minos
    equal to 10.13 (x86_64) or 11.0 (arm64);
  - only system dylibs are linked (/usr/lib/...);
  - arm64: an ad-hoc code signature whose CodeDirectory page hashes all match the file (Apple
    Silicon refuses to map unsigned or badly signed code).
Windows (PE, read here without any Windows tool): the msvc release targets, and the MinGW builds
that stand in for them on Linux (x86_64-pc-windows-gnu, aarch64-pc-windows-gnullvm):
  - a PE32+ DLL of the right machine type (x64 0x8664, arm64 0xAA64) that exports
    `napi_register_module_v1` (and nothing else: the linker's export-everything default is off);
  - it imports only DLLs that every Windows 10 and later has (KERNEL32, ntdll, the UCRT's
    api-ms-win-crt-*, bcryptprimitives, ...): no MinGW runtime (libgcc_s, libwinpthread, libunwind),
    no Visual C++ redistributable (vcruntime140, msvcp140: the msvc builds link the CRT statically),
    no libnode.dll or node.exe (Node-API is resolved from the process at load time: dyn-symbols).
x86_64 (all four): curve25519-dalek's AVX-512 IFMA backend is compiled in (vpmadd52luq/huq
  instructions; needs llvm-objdump, or binutils' objdump for ELF). It is chosen by the cfg
  `curve25519_dalek_backend="avx512"` of .cargo/config.toml, which a build that sets RUSTFLAGS loses.
Prints one summary line per file and exits 1 on any failed check.
"""
import hashlib
import re
import struct
import subprocess
import sys

GLIBC_FLOOR = (2, 17)
MACOS_MIN = {"x86_64-apple-darwin": (10, 13), "aarch64-apple-darwin": (11, 0)}
ELF_MACHINE = {  # target arch -> (EI_CLASS, e_machine, name)
    "x86_64": (2, 62, "x86-64"),
    "aarch64": (2, 183, "AArch64"),
    "armv7": (1, 40, "ARM"),
}
EF_ARM_EABI_MASK = 0xFF000000
EF_ARM_ABI_FLOAT_HARD = 0x400


class Checks:
    def __init__(self):
        self.failures = []
        self.facts = []

    def ok(self, cond, what):
        if not cond:
            self.failures.append(what)
        return cond

    def fact(self, text):
        self.facts.append(text)


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def check_elf(target, data, path, c):
    arch = target.split("-")[0]
    ei_class, machine, name = ELF_MACHINE[arch]
    c.ok(data[:4] == b"\x7fELF", "not an ELF file")
    c.ok(data[4] == ei_class, f"ELF class {data[4]}, expected {ei_class}")
    c.ok(data[5] == 1, "not little-endian")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    c.ok(e_type == 3, f"e_type {e_type}, expected ET_DYN (shared object)")
    c.ok(e_machine == machine, f"e_machine {e_machine}, expected {machine} ({name})")
    c.fact(name)
    if arch == "armv7":
        e_flags = struct.unpack_from("<I", data, 36)[0]
        c.ok(e_flags & EF_ARM_EABI_MASK == 0x05000000, f"ARM EABI version {e_flags >> 24}, expected 5")
        c.ok(e_flags & EF_ARM_ABI_FLOAT_HARD, "not hard-float (gnueabihf)")
        c.fact("EABI5 hard-float")

    dynsyms = run("readelf", "--dyn-syms", "-W", path)
    exported = re.search(r"\bFUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+napi_register_module_v1\b", dynsyms)
    c.ok(exported, "napi_register_module_v1 is not exported")
    if exported:
        c.fact("exports napi_register_module_v1")

    dynamic = run("readelf", "-d", "-W", path)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    versions = run("readelf", "-V", "-W", path)
    glibc = sorted({tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", versions)})
    c.fact("NEEDED " + ",".join(needed))
    if target.endswith("-gnu") or target.endswith("-gnueabihf"):
        c.ok(glibc, "no GLIBC symbol versions at all (not linked against glibc?)")
        if glibc:
            top = glibc[-1]
            c.fact("max GLIBC_" + ".".join(map(str, top)))
            c.ok(top <= GLIBC_FLOOR, f"needs GLIBC_{'.'.join(map(str, top))} > {'.'.join(map(str, GLIBC_FLOOR))}")
        c.ok(not any("musl" in n for n in needed), "links a musl library")
    elif target.endswith("-musl"):
        c.ok(needed == ["libc.so"], f"NEEDED {needed}, expected only musl's libc.so")
        c.ok(not glibc, "references GLIBC symbol versions")
        c.fact("no GLIBC refs")


# --- Mach-O
LC_REQ_DYLD = 0x80000000
LC_SYMTAB = 0x2
LC_LOAD_DYLIB = 0xC
LC_ID_DYLIB = 0xD
LC_CODE_SIGNATURE = 0x1D
LC_REEXPORT_DYLIB = 0x1F | LC_REQ_DYLD
LC_VERSION_MIN_MACOSX = 0x24
LC_BUILD_VERSION = 0x32
LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD
CPU = {"x86_64": 0x01000007, "aarch64": 0x0100000C}
MH_DYLIB, MH_BUNDLE = 6, 8
PLATFORM_MACOS = 1


def version(v):
    return (v >> 16, (v >> 8) & 0xFF)


def fmt(v):
    return f"{v[0]}.{v[1]}"


def check_macho(target, data, c):
    arch = target.split("-")[0]
    magic, cputype, _sub, filetype, ncmds, _size, _flags, _res = struct.unpack_from("<IiiIIIII", data, 0)
    if not c.ok(magic == 0xFEEDFACF, f"magic {magic:#x}, expected a 64-bit little-endian Mach-O (0xfeedfacf)"):
        return
    c.ok(cputype == CPU[arch], f"cputype {cputype:#x}, expected {CPU[arch]:#x} ({arch})")
    c.ok(filetype in (MH_DYLIB, MH_BUNDLE), f"filetype {filetype}, expected MH_DYLIB or MH_BUNDLE")
    c.fact(f"Mach-O {'arm64' if arch == 'aarch64' else 'x86_64'} {'dylib' if filetype == MH_DYLIB else 'bundle'}")

    minos = []
    dylibs = []
    symtab = None
    codesig = None
    off = 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, off)
        if cmd == LC_VERSION_MIN_MACOSX:
            v, sdk = struct.unpack_from("<II", data, off + 8)
            minos.append(("LC_VERSION_MIN_MACOSX", version(v), version(sdk)))
        elif cmd == LC_BUILD_VERSION:
            platform, v, sdk = struct.unpack_from("<III", data, off + 8)
            if platform == PLATFORM_MACOS:
                minos.append(("LC_BUILD_VERSION", version(v), version(sdk)))
            else:
                c.ok(False, f"LC_BUILD_VERSION for platform {platform}, not macOS")
        elif cmd in (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB):
            name_off = struct.unpack_from("<I", data, off + 8)[0]
            dylibs.append(data[off + name_off : off + cmdsize].split(b"\0", 1)[0].decode())
        elif cmd == LC_SYMTAB:
            symtab = struct.unpack_from("<IIII", data, off + 8)
        elif cmd == LC_CODE_SIGNATURE:
            codesig = struct.unpack_from("<II", data, off + 8)
        off += cmdsize

    want = MACOS_MIN[target]
    c.ok(len(minos) == 1, f"{len(minos)} minimum-OS load commands, expected 1")
    for kind, v, sdk in minos:
        c.fact(f"{kind} minos {fmt(v)} sdk {fmt(sdk)}")
        c.ok(v == want, f"minimum macOS {fmt(v)}, expected {fmt(want)}")

    c.ok(all(d.startswith("/usr/lib/") or d.startswith("/System/") for d in dylibs), f"non-system dylibs: {dylibs}")
    c.fact("links " + ",".join(d.rsplit("/", 1)[-1] for d in dylibs))

    exported = False
    if c.ok(symtab is not None, "no LC_SYMTAB"):
        symoff, nsyms, stroff, _strsize = symtab
        for i in range(nsyms):
            n_strx, n_type, n_sect, _desc, _value = struct.unpack_from("<IBBhQ", data, symoff + 16 * i)
            if n_type & 0x01 and (n_type & 0x0E) == 0x0E:  # N_EXT, N_SECT: defined and external
                name = data[stroff + n_strx :].split(b"\0", 1)[0]
                if name == b"_napi_register_module_v1":
                    exported = True
    if c.ok(exported, "_napi_register_module_v1 is not exported"):
        c.fact("exports _napi_register_module_v1")

    if arch == "aarch64":
        if c.ok(codesig is not None, "arm64 dylib without LC_CODE_SIGNATURE"):
            check_code_signature(data, *codesig, c)
    elif codesig is not None:
        check_code_signature(data, *codesig, c)


def check_code_signature(data, dataoff, datasize, c):
    """Recompute the page hashes of the CodeDirectory of an (ad-hoc) signature."""
    magic, _length, count = struct.unpack_from(">III", data, dataoff)
    if not c.ok(magic == 0xFADE0CC0, f"signature superblob magic {magic:#x}"):
        return
    for i in range(count):
        slot, offset = struct.unpack_from(">II", data, dataoff + 12 + 8 * i)
        if slot != 0:  # CSSLOT_CODEDIRECTORY
            continue
        cd = dataoff + offset
        (cd_magic, _len, _version, flags, hash_offset, _ident, _nspecial, ncode, code_limit, hash_size, hash_type,
         _platform, page_log2) = struct.unpack_from(">IIIIIIIIIBBBB", data, cd)
        c.ok(cd_magic == 0xFADE0C02, f"CodeDirectory magic {cd_magic:#x}")
        c.ok(hash_type == 2 and hash_size == 32, f"CodeDirectory hash type {hash_type}/{hash_size}, expected SHA-256")
        c.ok(code_limit == dataoff, f"codeLimit {code_limit} != signature offset {dataoff}")
        page = 1 << page_log2
        bad = 0
        for n in range(ncode):
            chunk = data[n * page : min((n + 1) * page, code_limit)]
            if hashlib.sha256(chunk).digest() != data[cd + hash_offset + 32 * n : cd + hash_offset + 32 * (n + 1)]:
                bad += 1
        c.ok(bad == 0, f"{bad} of {ncode} code page hashes do not match")
        c.fact(f"code signature {'ad-hoc ' if flags & 0x2 else ''}{ncode - bad}/{ncode} page hashes ok")
        return
    c.ok(False, "signature without a CodeDirectory")


# --- PE (Windows DLLs)
PE_MACHINE = {"x86_64": (0x8664, "x64"), "aarch64": (0xAA64, "arm64")}
IMAGE_FILE_DLL = 0x2000
PE32_PLUS = 0x20B
# DLLs every Windows 10 and later has (Rust's std needs Windows 10: its msvc and MinGW targets' floor).
SYSTEM_DLLS = {
    "kernel32.dll", "kernelbase.dll", "ntdll.dll", "advapi32.dll", "bcrypt.dll", "bcryptprimitives.dll",
    "ws2_32.dll", "userenv.dll", "user32.dll", "shell32.dll", "ole32.dll", "oleaut32.dll", "secur32.dll",
    "crypt32.dll", "dbghelp.dll", "synchronization.dll", "ucrtbase.dll", "msvcrt.dll", "psapi.dll",
}
# What must never be there, with the reason.
NOT_SYSTEM = [
    (r"^libgcc", "the MinGW GCC runtime"),
    (r"^libwinpthread", "MinGW's pthreads"),
    (r"^libunwind", "LLVM's unwinder (MinGW)"),
    (r"^libstdc\+\+|^libc\+\+", "a C++ runtime"),
    (r"^vcruntime|^msvcp|^concrt", "the Visual C++ redistributable (link the CRT statically: +crt-static)"),
    (r"^libnode|^node\.(exe|dll)$", "Node itself (Node-API must be resolved at load time: napi's dyn-symbols)"),
]


def check_pe(target, data, c):
    arch = target.split("-")[0]
    machine, name = PE_MACHINE[arch]
    if not c.ok(data[:2] == b"MZ", "not a PE file (no MZ header)"):
        return
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if not c.ok(data[pe : pe + 4] == b"PE\0\0", "no PE signature"):
        return
    f_machine, nsections, _ts, _symtab, _nsyms, opt_size, characteristics = struct.unpack_from("<HHIIIHH", data, pe + 4)
    c.ok(f_machine == machine, f"machine {f_machine:#06x}, expected {machine:#06x} ({name})")
    c.ok(characteristics & IMAGE_FILE_DLL, "not a DLL (IMAGE_FILE_DLL unset)")
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    if not c.ok(magic == PE32_PLUS, f"optional header magic {magic:#x}, expected PE32+ ({PE32_PLUS:#x})"):
        return
    os_major, os_minor = struct.unpack_from("<HH", data, opt + 40)
    actual = next((n for m, n in PE_MACHINE.values() if m == f_machine), f"machine {f_machine:#06x}")
    c.fact(f"PE32+ DLL {actual}, OS version {os_major}.{os_minor}")
    ndirs = struct.unpack_from("<I", data, opt + 108)[0]
    dirs = [struct.unpack_from("<II", data, opt + 112 + 8 * i) for i in range(min(ndirs, 16))]
    sections = []
    for i in range(nsections):
        sec = opt + opt_size + 40 * i
        vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", data, sec + 8)
        sections.append((va, max(vsize, rawsize), rawptr))

    def off(rva):
        for va, size, raw in sections:
            if va <= rva < va + size:
                return raw + rva - va
        raise ValueError(f"RVA {rva:#x} is in no section")

    def cstr(rva):
        o = off(rva)
        return data[o : data.index(b"\0", o)].decode("ascii", "replace")

    # Exports
    names = []
    if len(dirs) > 0 and dirs[0][0]:
        e = off(dirs[0][0])
        n_names, names_rva = struct.unpack_from("<I", data, e + 24)[0], struct.unpack_from("<I", data, e + 32)[0]
        names = [cstr(struct.unpack_from("<I", data, off(names_rva) + 4 * i)[0]) for i in range(n_names)]
    if c.ok("napi_register_module_v1" in names, "napi_register_module_v1 is not exported"):
        c.fact("exports napi_register_module_v1")
    others = [n for n in names if n != "napi_register_module_v1"]
    c.ok(not others, f"{len(others)} other exports (e.g. {', '.join(others[:3])}): the export list was lost at link time")

    # Imports, and delay-loaded imports
    dlls = []
    for index, size in ((1, 20), (13, 32)):
        if len(dirs) <= index or not dirs[index][0]:
            continue
        d = off(dirs[index][0])
        while True:
            fields = struct.unpack_from("<" + "I" * (size // 4), data, d)
            if not any(fields):
                break
            dlls.append(cstr(fields[3] if index == 1 else fields[1]))
            d += size
    for dll in dlls:
        low = dll.lower()
        why = next((reason for pattern, reason in NOT_SYSTEM if re.search(pattern, low)), None)
        if why:
            c.ok(False, f"imports {dll}: {why}")
        else:
            c.ok(low in SYSTEM_DLLS or low.startswith("api-ms-win-"), f"imports {dll}, not a system DLL")
    c.fact("imports " + ",".join(dlls))


def check_ifma(path, c):
    """x86_64: the AVX-512 IFMA field arithmetic (vpmadd52luq / vpmadd52huq) is in the binary."""
    for tool in ("llvm-objdump", "objdump"):
        try:
            out = subprocess.run([tool, "-d", "--no-show-raw-insn", path], capture_output=True, text=True).stdout
        except FileNotFoundError:
            continue
        if "ret" not in out:  # this objdump cannot disassemble the format (GNU objdump and Mach-O)
            continue
        n = len(re.findall(r"\bvpmadd52[lh]uq\b", out))
        c.ok(n > 0, 'no AVX-512 IFMA instructions: built without --cfg curve25519_dalek_backend="avx512"')
        if n:
            c.fact(f"AVX-512 IFMA backend ({n} vpmadd52*)")
        return
    c.ok(False, "no objdump that disassembles this file (install llvm or binutils)")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target, path = sys.argv[1], sys.argv[2]
    c = Checks()
    with open(path, "rb") as f:
        data = f.read()
    c.fact(f"{len(data) / 1e6:.2f} MB")
    if "-apple-darwin" in target:
        check_macho(target, data, c)
    elif "-windows-" in target:
        check_pe(target, data, c)
    else:
        check_elf(target, data, path, c)
    if target.startswith("x86_64-"):
        check_ifma(path, c)
    status = "OK  " if not c.failures else "FAIL"
    print(f"CHECK {status} {target}: " + "; ".join(c.facts))
    for f in c.failures:
        print(f"  - {f}")
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
