#!/usr/bin/python3
"""A minimal WebKitGTK browser for WebDriver automation, used in place of MiniBrowser.

Why: under --automation MiniBrowser browses privately, and WebKit then writes no console messages
(so no CORS reasons) and keeps no HTTP cache (so Vary cannot be observed). This host is the same
engine, libwebkit2gtk-4.1, with a throw-away profile, the browser cache model, console messages on
stdout (which WebKitWebDriver passes through), and the recording proxy given as --proxy=URL.
"""
import shutil
import sys
import tempfile

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

proxy = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--proxy=")), None)
profile = tempfile.mkdtemp(prefix="cors-conformance-webkit-")

data = WebKit2.WebsiteDataManager(base_data_directory=f"{profile}/data", base_cache_directory=f"{profile}/cache")
if proxy:
    data.set_network_proxy_settings(WebKit2.NetworkProxyMode.CUSTOM, WebKit2.NetworkProxySettings.new(proxy, []))
# The recording proxy presents its own certificates (what acceptInsecureCerts does for MiniBrowser).
data.set_tls_errors_policy(WebKit2.TLSErrorsPolicy.IGNORE)
context = WebKit2.WebContext(website_data_manager=data)
context.set_cache_model(WebKit2.CacheModel.WEB_BROWSER)
context.set_automation_allowed(True)
settings = WebKit2.Settings(enable_write_console_messages_to_stdout=True)
windows = []


def create_view(_session):
    view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.set_default_size(1024, 700)
    window.add(view)
    window.show_all()
    windows.append(window)
    view.connect("close", lambda _view: close(window))
    return view


def close(window):
    window.destroy()
    windows.remove(window)
    if not windows:
        Gtk.main_quit()  # the session closed its last window: leave, and take the profile along


def automation_started(_context, session):
    info = WebKit2.ApplicationInfo()
    info.set_name("MiniBrowser")
    info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
    session.set_application_info(info)
    session.connect("create-web-view", create_view)


context.connect("automation-started", automation_started)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, Gtk.main_quit)  # SIGTERM
Gtk.init(sys.argv)
try:
    Gtk.main()
finally:
    shutil.rmtree(profile, ignore_errors=True)
