"""A Flask app with Flask-CORS, for the acceptance tests (started by real-servers.ts).

Usage: python3 flask_cors_app.py explicit|defaults PORT, with the neutral CORS configuration as JSON
in the environment variable CORS_CONFIG: {"origins": [...], "methods": [...], "headers": [...],
"exposeHeaders": [...], "credentials": bool}.

`explicit` hands that configuration to Flask-CORS; `defaults` is a bare `CORS(app)`, as a user who
only added the extension has it. Either way /api/orders serves the configuration's methods.

Served by Werkzeug's server through make_server, which prints no development-server warning, and
with the request log off: the output is only what went wrong.
"""

import json
import logging
import os
import sys

from flask import Flask, jsonify
from flask_cors import CORS
from werkzeug.serving import make_server

try:
    from importlib.metadata import version

    FLASK_CORS_VERSION = version("flask-cors")
except Exception:  # pragma: no cover - metadata missing
    FLASK_CORS_VERSION = "unknown"


def create_app(mode, config):
    app = Flask(__name__)
    # OPTIONS stays Flask's own automatic answer, which Flask-CORS then decorates.
    served = [m for m in config["methods"] if m.upper() != "OPTIONS"]

    @app.route("/api/orders", methods=served)
    def orders():
        response = jsonify(ok=True)
        response.headers["X-Request-Id"] = "r-1"
        response.headers["X-Internal"] = "secret-ish"
        return response

    if mode == "explicit":
        CORS(
            app,
            origins=config["origins"],
            methods=config["methods"],
            allow_headers=config["headers"],
            expose_headers=config["exposeHeaders"],
            supports_credentials=config["credentials"],
        )
    elif mode == "defaults":
        CORS(app)
    else:
        raise SystemExit(f"unknown mode {mode!r}: explicit or defaults")
    return app


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: flask_cors_app.py explicit|defaults PORT")
    mode, port = sys.argv[1], int(sys.argv[2])
    config = json.loads(os.environ["CORS_CONFIG"])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", port, create_app(mode, config), threaded=True)
    print(f"flask-cors {FLASK_CORS_VERSION} listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
