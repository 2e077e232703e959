"""A throw-away FTPS server for the end-to-end suites: pyftpdlib's TLS_FTPHandler (explicit TLS, AUTH TLS), one user
with a password and a home folder, passive ports on loopback. Run with Debian's /usr/bin/python3 (python3-pyftpdlib,
python3-openssl). Arguments: home user password certfile keyfile. Prints `listening <port>` once it serves."""
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_DTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

home, user, password, certfile, keyfile = sys.argv[1:6]

authorizer = DummyAuthorizer()
authorizer.add_user(user, password, home, perm="elradfmwMT")

class Handler(TLS_FTPHandler):
    pass

Handler.authorizer = authorizer
Handler.certfile = certfile
Handler.keyfile = keyfile
Handler.tls_control_required = True
Handler.tls_data_required = True
Handler.permit_foreign_addresses = False
Handler.banner = "junction test FTPS"


class DataHandler(TLS_DTPHandler):
    """pyftpdlib 1.5.7 closes a data connection that is readable before its RETR/STOR/LIST command came: a client
    that secures the data connection before it sends the command (basic-ftp, as RFC 4217 allows) finishes its TLS
    handshake there and is cut off. Until the command comes, this one only reads to finish the TLS handshake."""

    def readable(self):
        if not self.receive and not self._initialized:
            return self._ssl_want_read
        return super().readable()


Handler.dtp_handler = DataHandler

server = FTPServer(("127.0.0.1", 0), Handler)
server.max_cons = 256
print("listening %d" % server.socket.getsockname()[1], flush=True)
server.serve_forever(timeout=0.5, blocking=True, handle_exit=True)
