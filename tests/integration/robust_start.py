"""start_server: Server.start that survives a port race. free_port() hands out a port
that another test running at the same time may take before visnyk binds it; Server.start
then connects to that other program. Here the server must answer HTTP itself, else it is
restarted on a fresh port."""
import time

from harness import free_port


def start_server(srv, attempts=5):
    last = None
    for attempt in range(attempts):
        if attempt:
            srv.port = free_port()
        try:
            srv.start()
            time.sleep(0.2)
            if srv.proc is not None and srv.proc.poll() is None:
                status, _, _ = srv.get("/")
                if status in (200, 503):
                    return srv
        except Exception as e:  # noqa: BLE001 - any failure means: try another port
            last = e
        if srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
        srv.proc = None
    raise RuntimeError(f"server did not start: {last}")
