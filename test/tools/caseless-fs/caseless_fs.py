"""A folder that does not tell letter case apart, for the tests of a DATA_DIR on such a file system (macOS's APFS
and HFS+ by default, NTFS, exFAT): every path is stored lower-cased in BACKING, so "A.json" and "a.json" are one
file. Not case-preserving (those file systems are; nothing the tests check depends on it). A FUSE passthrough
(fusepy over Debian's libfuse2), attributes never cached, so every name goes through the folding below.

    python caseless_fs.py BACKING MOUNTPOINT     runs in the foreground until MOUNTPOINT is unmounted

SQLite's write-ahead log does not run here: its shared-memory file is mapped, and a mapped page of this file
system faults (SIGBUS). The tests keep DATA_DIR/state on the real disk (a symlink).
"""
import errno
import os
import sys

from fuse import FUSE, FuseOSError, Operations


class Caseless(Operations):
    def __init__(self, root):
        self.root = root

    def _p(self, path):
        return os.path.join(self.root, path.lstrip('/').lower())

    def access(self, path, mode):
        if not os.access(self._p(path), mode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._p(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._p(path), uid, gid)

    def getattr(self, path, fh=None):
        st = os.lstat(self._p(path))
        keys = ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid', 'st_ino')
        return {k: getattr(st, k) for k in keys}

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._p(path))

    def readlink(self, path):
        return os.readlink(self._p(path))

    def mknod(self, path, mode, dev):
        os.mknod(self._p(path), mode, dev)

    def rmdir(self, path):
        os.rmdir(self._p(path))

    def mkdir(self, path, mode):
        os.mkdir(self._p(path), mode)

    def statfs(self, path):
        st = os.statvfs(self._p(path))
        keys = ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag',
                'f_frsize', 'f_namemax')
        return {k: getattr(st, k) for k in keys}

    def unlink(self, path):
        os.unlink(self._p(path))

    def symlink(self, name, target):
        os.symlink(target, self._p(name))

    def rename(self, old, new):
        os.rename(self._p(old), self._p(new))

    def link(self, target, name):
        os.link(self._p(name), self._p(target))

    def utimens(self, path, times=None):
        os.utime(self._p(path), times)

    def open(self, path, flags):
        return os.open(self._p(path), flags)

    def create(self, path, mode, fi=None):
        return os.open(self._p(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)

    def read(self, path, length, offset, fh):
        return os.pread(fh, length, offset)

    def write(self, path, buf, offset, fh):
        return os.pwrite(fh, buf, offset)

    def truncate(self, path, length, fh=None):
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self._p(path), length)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)

    def fsync(self, path, datasync, fh):
        (os.fdatasync if datasync else os.fsync)(fh)

    def fsyncdir(self, path, datasync, fh):
        fd = os.open(self._p(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


if __name__ == '__main__':
    FUSE(Caseless(sys.argv[1]), sys.argv[2], foreground=True, attr_timeout=0, entry_timeout=0, negative_timeout=0)
