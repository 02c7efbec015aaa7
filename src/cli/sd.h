/* sd.h: `visnyk serve` as a systemd Type=notify service (sd_notify(3)): readiness, the
 * stopping notice and the watchdog. Every call does nothing unless NOTIFY_SOCKET is set,
 * so outside a unit (a terminal, the tests, a container) nothing changes. Only the cli
 * layer uses it: the HTTP server knows nothing of systemd. */
#ifndef VISNYK_CLI_SD_H
#define VISNYK_CLI_SD_H

/* cli_sd_ready tells the service manager the server listens ("READY=1" with the main
 * PID) and, when the unit asks for a watchdog (WATCHDOG_USEC, sd_watchdog_enabled), starts
 * a thread that sends "WATCHDOG=1" every half interval until cli_sd_stopping. Call it once,
 * on the main thread, after the listening sockets are bound. */
void cli_sd_ready(void);

/* cli_sd_stopping sends "STOPPING=1" and stops the watchdog thread (joining it). Safe to
 * call when cli_sd_ready was not called or did nothing; call it once. */
void cli_sd_stopping(void);

#endif
