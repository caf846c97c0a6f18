"""The built-in web client in a real browser: headless Chromium driven by Selenium, against
a real chat-gateway process. Each test asserts what a person would see on the page.

Run through scripts/browser-tests.sh, which installs Chromium, its driver and Selenium when
missing and builds the gateway. Environment:
  CHAT_GATEWAY_BINARY   the gateway to start (default .build/debug/chat-gateway)
  WEB_CLIENT_SCREENSHOT where to save a screenshot of a conversation (default: none)
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("CHAT_GATEWAY_BINARY", str(ROOT / ".build" / "debug" / "chat-gateway"))
WAIT_SECONDS = 15
PASSWORD = "correct horse battery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout=WAIT_SECONDS, what="condition"):
    """Polls `condition` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (NoSuchElementException, StaleElementReferenceException, ConnectionError, OSError) as error:
            last_error = error
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


class Gateway:
    """A chat-gateway process on a fresh database; restartable on the same port and data."""

    def __init__(self):
        self.directory = tempfile.TemporaryDirectory(prefix="chat-browser-")
        self.port = free_port()
        self.process = None
        self.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def start(self):
        environment = dict(os.environ, CHAT_RATE_BURST="1000", CHAT_RATE_LIMIT="500")
        self.log = open(os.path.join(self.directory.name, "gateway.log"), "ab")
        self.process = subprocess.Popen(
            [GATEWAY, "--port", str(self.port), "--db", os.path.join(self.directory.name, "chat.db")],
            stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        wait_until(self.healthy, what="the gateway to answer /health")

    def healthy(self):
        if self.process.poll() is not None:
            raise AssertionError(f"the gateway exited with {self.process.returncode}")
        try:
            with urllib.request.urlopen(self.url + "health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.log.close()
        self.directory.cleanup()


class ProtocolClient:
    """A raw-TCP NDJSON client: sets up what the pages then show, faster than a browser."""

    def __init__(self, port):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
        self.reader = self.socket.makefile("r", encoding="utf-8")
        self.next_id = 1

    def command(self, **fields):
        request_id = self.next_id
        self.next_id += 1
        self.socket.sendall((json.dumps(dict(fields, request_id=request_id)) + "\n").encode())
        while True:
            reply = json.loads(self.reader.readline())
            if reply.get("request_id") == request_id:
                if reply["status"] != "ok":
                    raise AssertionError(f"{fields['type']}: {reply}")
                return reply

    def login(self, username):
        return self.command(type="login", username=username, password=PASSWORD)

    def close(self):
        self.socket.close()


class Page:
    """One browser (or one more tab of it) with the client open."""

    def __init__(self, gateway, driver=None):
        self.gateway = gateway
        if driver is None:
            options = webdriver.ChromeOptions()
            options.binary_location = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
            for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,760"]:
                options.add_argument(argument)
            options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
            driver = webdriver.Chrome(
                service=Service(os.environ.get("CHROMEDRIVER_BINARY", "/usr/bin/chromedriver")), options=options)
        self.driver = driver
        self.window = driver.current_window_handle
        self.console = []

    def open(self):
        self.focus()
        self.driver.get(self.gateway.url)
        return self

    def another_tab(self):
        """A second tab of the same browser: same storage, so the same login."""
        self.driver.switch_to.new_window("tab")
        other = Page(self.gateway, self.driver)
        other.console = self.console
        return other.open()

    def focus(self):
        if self.driver.current_window_handle != self.window:
            self.driver.switch_to.window(self.window)

    def quit(self):
        self.driver.quit()

    # What the page shows.

    def script(self, source, *arguments):
        self.focus()
        return self.driver.execute_script(source, *arguments)

    def visible(self, element_id):
        return self.script(
            "const e = document.getElementById(arguments[0]); return !!e && e.getClientRects().length > 0;", element_id)

    def text(self, element_id):
        return self.script("return document.getElementById(arguments[0]).innerText;", element_id)

    def messages(self):
        """The conversation as shown: sender, text, and state of each message."""
        return self.script("""
            return [...document.querySelectorAll('#messages li.message')].map(li => ({
                id: li.dataset.id || null,
                sender: li.querySelector('.sender').textContent,
                content: li.querySelector('.content').textContent,
                receipt: (li.querySelector('.receipt') || {}).textContent || '',
                edited: !!li.querySelector('.edited'),
                deleted: li.classList.contains('deleted'),
                failed: li.classList.contains('failed'),
            }));""")

    def contents(self):
        return [message["content"] for message in self.messages()]

    def chats(self):
        return self.script("""
            return [...document.querySelectorAll('#chat-list li.chat')].map(li => ({
                id: li.dataset.chatId,
                name: li.querySelector('.chat-name').textContent,
                unread: (li.querySelector('.unread') || {}).textContent || '',
            }));""")

    def wait(self, condition, what):
        self.focus()
        return wait_until(condition, what=what)

    # What a person does.

    def type_into(self, element_id, text):
        self.focus()
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(text)
        return field

    def click(self, element_id):
        self.focus()
        self.driver.find_element(By.ID, element_id).click()

    def register(self, username):
        self.wait(lambda: self.visible("login-username"), "the login form")
        self.type_into("login-username", username)
        self.type_into("login-password", PASSWORD)
        self.click("register-button")
        self.wait(lambda: self.visible("me") and self.text("me") == username, f"{username} to be signed in")
        return self

    def log_in(self, username):
        self.wait(lambda: self.visible("login-username"), "the login form")
        self.type_into("login-username", username)
        self.type_into("login-password", PASSWORD + Keys.ENTER)
        self.wait(lambda: self.visible("me") and self.text("me") == username, f"{username} to be signed in")
        return self

    def start_chat_with(self, username):
        self.type_into("user-search", username)
        button = self.wait(
            lambda: self.driver.find_element(By.CSS_SELECTOR, f"#user-results button[aria-label='Chat with {username}']"),
            f"{username} in the search results")
        button.click()
        self.wait(lambda: self.visible("chat-view") and self.text("chat-title") == username, f"the chat with {username}")

    def open_chat(self, name):
        self.focus()
        entry = self.wait(
            lambda: next((chat for chat in self.chats() if chat["name"] == name), None), f"the chat {name} in the list")
        self.driver.find_element(By.CSS_SELECTOR, f"#chat-list li[data-chat-id='{entry['id']}'] button").click()
        self.wait(lambda: self.visible("chat-view") and self.text("chat-title") == name, f"the chat {name} open")
        self.wait(lambda: self.text("history-status") != "Loading…", "the chat's messages")

    def send(self, text):
        """Types `text` and presses Enter; a newline in it is typed as Shift+Enter."""
        self.focus()
        field = self.driver.find_element(By.ID, "composer-input")
        field.click()
        lines = text.split("\n")
        actions = ActionChains(self.driver)
        for index, line in enumerate(lines):
            if index > 0:
                actions.key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT)
            actions.send_keys(line)
        actions.send_keys(Keys.ENTER).perform()

    def expect_message(self, content):
        return self.wait(lambda: content in self.contents(), f"the message {content!r}")

    def console_errors(self, ignoring=()):
        """Errors the page logged, except those whose text contains one of `ignoring`."""
        self.focus()
        self.console.extend(self.driver.get_log("browser"))
        return [entry["message"] for entry in self.console
                if entry["level"] == "SEVERE" and not any(part in entry["message"] for part in ignoring)]


class WebClientTests(unittest.TestCase):
    def setUp(self):
        self.gateway = Gateway()
        self.pages = []

    def tearDown(self):
        for page in self.pages:
            try:
                page.quit()
            except Exception:
                pass
        self.gateway.stop()

    def page(self):
        page = Page(self.gateway).open()
        self.pages.append(page)
        return page

    def expect_clean_console(self, *pages, ignoring=()):
        for page in pages:
            self.assertEqual(page.console_errors(ignoring), [], "errors in the browser's console")

    def test_two_users_find_each_other_and_chat_both_ways_with_receipts(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        alice.send("Hi Bob!")
        alice.expect_message("Hi Bob!")
        alice.wait(lambda: alice.messages()[-1]["id"] is not None, "the message to be acknowledged")

        # Bob did not have the chat: it appears, unread, with the total in the title.
        bob.wait(lambda: [(c["name"], c["unread"]) for c in bob.chats()] == [("alice", "1")], "an unread badge")
        self.assertEqual(bob.driver.title, "(1) Chat")
        bob.open_chat("alice")
        self.assertEqual(bob.contents(), ["Hi Bob!"])
        self.assertEqual(bob.messages()[0]["sender"], "alice")
        bob.wait(lambda: bob.driver.title == "Chat", "the title without unread messages")

        # Opening the chat read it: Alice sees the receipt.
        alice.wait(lambda: alice.messages()[0]["receipt"] == "Read", "the read receipt")

        bob.send("Hello Alice.\nTwo lines, sent with Enter.")
        alice.expect_message("Hello Alice.\nTwo lines, sent with Enter.")
        alice.send("Great, it works.")
        bob.expect_message("Great, it works.")
        expected = ["Hi Bob!", "Hello Alice.\nTwo lines, sent with Enter.", "Great, it works."]
        alice.wait(lambda: alice.contents() == expected, "the whole conversation, once each")
        bob.wait(lambda: bob.contents() == expected, "the whole conversation, once each")
        self.assertEqual([m["sender"] for m in bob.messages()], ["alice", "You", "alice"])
        screenshot = os.environ.get("WEB_CLIENT_SCREENSHOT", "")
        if screenshot:
            alice.driver.save_screenshot(screenshot)
        self.expect_clean_console(alice, bob)

    def test_unread_badges_count_messages_until_the_chat_is_opened(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        self.register_by_protocol("carol")
        bob.start_chat_with("alice")
        bob.send("first")
        alice.open_chat("bob")
        alice.expect_message("first")
        # Carol writes to Alice three times while Alice looks at another chat.
        carol = ProtocolClient(self.gateway.port)
        carol.login("carol")
        chat_id = carol.command(type="create_chat", user_id=self.user_id("alice"))["chat_id"]
        for text in ["one", "two", "three"]:
            carol.command(type="message", chat_id=chat_id, content=text)
        alice.wait(lambda: {c["name"]: c["unread"] for c in alice.chats()}.get("carol") == "3", "a badge of 3")
        self.assertEqual(alice.driver.title, "(3) Chat")
        self.assertEqual(alice.chats()[0]["name"], "carol", "the chat with the latest activity comes first")
        alice.open_chat("carol")
        self.assertEqual(alice.contents(), ["one", "two", "three"])
        alice.wait(lambda: {c["name"]: c["unread"] for c in alice.chats()}.get("carol") == "", "the badge gone")
        self.assertEqual(alice.driver.title, "Chat")
        carol.close()
        self.expect_clean_console(alice, bob)

    def user_id(self, username):
        client = ProtocolClient(self.gateway.port)
        try:
            client.login(username)
            return next(user["id"] for user in client.command(type="list_users", query=username)["users"]
                        if user["username"] == username)
        finally:
            client.close()

    def test_older_messages_load_on_scroll_up_keeping_the_view_in_place(self):
        self.register_by_protocol("alice", "bob")
        alice = ProtocolClient(self.gateway.port)
        alice.login("alice")
        chat_id = alice.command(type="create_chat", user_id=self.user_id("bob"))["chat_id"]
        for index in range(120):
            alice.command(type="message", chat_id=chat_id, content=f"message {index}")
        alice.close()

        bob = self.page().log_in("bob")
        bob.open_chat("alice")
        bob.wait(lambda: len(bob.messages()) >= 50, "the newest page")
        contents = bob.contents()
        self.assertEqual(contents[-1], "message 119", "the newest page first, scrolled to its end")
        self.assertTrue(bob.script(
            "const l = document.getElementById('messages'); return l.scrollHeight - l.scrollTop - l.clientHeight < 5;"))
        oldest = contents[0]
        anchor_id = bob.script("return document.querySelector('#messages li.message').dataset.id;")
        # Scrolled to the top, the oldest message shown is in view; the scroll loads more.
        top_before = bob.script("""
            document.getElementById('messages').scrollTop = 0;
            return document.querySelector(`#messages li[data-id='${arguments[0]}']`).getBoundingClientRect().top;""",
            anchor_id)
        bob.wait(lambda: len(bob.messages()) >= 100, "an older page")
        # The message that was at the top is where it was: the older page went in above it.
        top_after = bob.script(
            "return document.querySelector(`#messages li[data-id='${arguments[0]}']`).getBoundingClientRect().top;",
            anchor_id)
        self.assertLess(abs(top_after - top_before), 40, "the view stays on the message that was in view")
        bob.script("document.getElementById('messages').scrollTop = 0;")
        bob.wait(lambda: len(bob.messages()) == 120, "every message")
        self.assertEqual(bob.contents(), [f"message {index}" for index in range(120)])
        self.assertNotEqual(oldest, "message 0")
        bob.wait(lambda: bob.text("history-status") == "Start of the conversation", "the start of the conversation")
        self.expect_clean_console(bob)

    def register_by_protocol(self, *usernames):
        client = ProtocolClient(self.gateway.port)
        for username in usernames:
            client.command(type="register", username=username, password=PASSWORD)
        client.close()

    def test_typing_shows_on_the_other_side_and_expires(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        alice.send("hello")
        bob.open_chat("alice")
        bob.focus()
        bob.driver.find_element(By.ID, "composer-input").send_keys("I am writi")
        alice.wait(lambda: alice.text("typing") == "bob is typing…", "the typing indicator")
        alice.wait(lambda: alice.text("typing") == "", "the typing indicator to expire")
        self.expect_clean_console(alice, bob)

    def test_edits_and_deletions_are_seen_by_the_other_side(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        alice.send("Helo, wrold")
        alice.send("Something I regret")
        alice.wait(lambda: all(m["id"] for m in alice.messages()) and len(alice.messages()) == 2, "both acknowledged")
        bob.open_chat("alice")
        bob.wait(lambda: bob.contents() == ["Helo, wrold", "Something I regret"], "both messages")

        alice.focus()
        first, second = alice.driver.find_elements(By.CSS_SELECTOR, "#messages li.message")
        first.find_element(By.CSS_SELECTOR, "button[aria-label='Edit message']").click()
        editor = alice.wait(lambda: alice.driver.find_element(By.CSS_SELECTOR, "#messages .edit-form textarea"),
                            "the editor")
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys("Hello, world" + Keys.ENTER)
        bob.wait(lambda: bob.messages()[0]["content"] == "Hello, world" and bob.messages()[0]["edited"],
                 "the edit, marked edited")
        alice.focus()
        alice.driver.find_elements(By.CSS_SELECTOR, "#messages li.message")[1].find_element(
            By.CSS_SELECTOR, "button[aria-label='Delete message']").click()
        bob.wait(lambda: bob.messages()[1]["deleted"] and bob.messages()[1]["content"] == "Message deleted",
                 "the deletion")
        alice.wait(lambda: alice.messages()[1]["deleted"], "the deletion on the sender's side")
        # Bob cannot edit or delete Alice's messages: he is offered neither.
        bob.focus()
        self.assertEqual(bob.driver.find_elements(By.CSS_SELECTOR, "#messages button"), [])
        # A reload shows the same: what is stored, not what the page remembered.
        bob.driver.refresh()
        bob.open_chat("alice")
        self.assertEqual([(m["content"], m["edited"], m["deleted"]) for m in bob.messages()],
                         [("Hello, world", True, False), ("Message deleted", False, True)])
        self.expect_clean_console(alice, bob)

    def test_a_message_that_looks_like_html_is_shown_as_text(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        hostile = '<img src=x onerror="document.title=\'pwned\'"><b>bold?</b> & <script>alert(1)</script>'
        alice.send(hostile)
        bob.open_chat("alice")
        bob.wait(lambda: bob.contents() == [hostile], "the message, as typed")
        for page in (alice, bob):
            self.assertEqual(page.script("return document.querySelectorAll('#messages img, #messages b').length;"), 0)
            self.assertNotIn("pwned", page.driver.title)
            self.assertEqual(page.script(
                "return document.querySelector('#chat-list .chat-preview').textContent.endsWith('bold?</b> & "
                "<script>alert(1)</script>');"), True)
        self.expect_clean_console(alice, bob)

    def test_after_a_gateway_restart_both_pages_catch_up_with_no_gap_and_no_duplicate(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        alice.send("before 1")
        bob.open_chat("alice")
        bob.send("before 2")
        alice.wait(lambda: alice.contents() == ["before 1", "before 2"], "the conversation so far")

        self.gateway.kill()
        for page in (alice, bob):
            page.wait(lambda: page.visible("status") and "econnect" in page.text("status"), "a reconnecting notice")
        self.gateway.start()
        # Alice's phone writes at once, before (or while) the pages reconnect.
        phone = ProtocolClient(self.gateway.port)
        phone.login("alice")
        chat_id = bob.script("return document.querySelector('#chat-list li.chat').dataset.chatId;")
        for index in range(3):
            phone.command(type="message", chat_id=chat_id, content=f"while away {index}")
        phone.close()
        for page in (alice, bob):
            page.wait(lambda: not page.visible("status"), "the page reconnected")
        alice.send("after")
        expected = ["before 1", "before 2", "while away 0", "while away 1", "while away 2", "after"]
        for page in (alice, bob):
            page.wait(lambda: page.contents() == expected, "every message once, in order")
        # Some more, live, to be sure nothing comes twice later either.
        bob.send("still here")
        alice.wait(lambda: alice.contents() == expected + ["still here"], "the live message once")
        self.assertEqual(bob.contents(), expected + ["still here"])
        refused = ("ERR_CONNECTION_REFUSED", "WebSocket connection to")
        self.expect_clean_console(alice, bob, ignoring=refused)

    def test_a_send_cut_off_is_sent_again_with_its_id_and_stored_once(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        alice.send("one")
        alice.wait(lambda: alice.messages()[-1]["id"], "the first message acknowledged")
        # The connection breaks right after the next message leaves: its ack is lost, and
        # the page cannot know whether the server stored it.
        alice.script("""
            const send = WebSocket.prototype.send;
            window.sentMessages = [];
            WebSocket.prototype.send = function (data) {
                send.call(this, data);
                const frame = JSON.parse(data);
                if (frame.type !== 'message') return;
                window.sentMessages.push(frame.client_message_id);
                if (window.sentMessages.length === 1) this.close();
            };""")
        alice.send("two")
        alice.wait(lambda: alice.contents() == ["one", "two"] and all(m["id"] for m in alice.messages()),
                   "the message sent again once reconnected, and acknowledged")
        sent = alice.script("return window.sentMessages;")
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0], sent[1], "sent again with the same client message id")
        bob.open_chat("alice")
        bob.wait(lambda: bob.contents() == ["one", "two"], "the message, once")
        self.expect_clean_console(alice, bob)

    def test_a_send_while_offline_offers_retry_which_sends_it_once(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        alice.start_chat_with("bob")
        alice.send("one")
        bob.open_chat("alice")
        bob.expect_message("one")
        self.gateway.kill()
        alice.wait(lambda: alice.visible("status"), "the reconnecting notice")
        alice.send("two")
        alice.wait(lambda: alice.messages()[-1]["failed"], "the failed send")
        self.assertEqual(alice.contents(), ["one", "two"])
        retry = alice.driver.find_element(By.CSS_SELECTOR, "#messages li.failed button.retry")
        self.assertEqual(retry.text, "Retry")
        self.gateway.start()
        alice.wait(lambda: not alice.visible("status"), "the page reconnected")
        self.assertTrue(alice.messages()[-1]["failed"], "a message never sent waits for the user")
        alice.driver.find_element(By.CSS_SELECTOR, "#messages li.failed button.retry").click()
        alice.wait(lambda: alice.messages()[-1]["id"] and not alice.messages()[-1]["failed"], "the retry acknowledged")
        bob.wait(lambda: bob.contents() == ["one", "two"], "the message, once")
        refused = ("ERR_CONNECTION_REFUSED", "WebSocket connection to")
        self.expect_clean_console(alice, bob, ignoring=refused)

    def test_two_tabs_of_one_user_share_the_conversation_and_logout_ends_both(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        bob.start_chat_with("alice")
        bob.send("to both of your tabs")
        second = alice.another_tab()
        for tab in (alice, second):
            tab.wait(lambda: tab.visible("me") and tab.text("me") == "alice", "signed in")
            tab.open_chat("bob")
            tab.expect_message("to both of your tabs")
        alice.send("from the first tab")
        second.expect_message("from the first tab")
        bob.expect_message("from the first tab")
        self.assertEqual(second.contents(), ["to both of your tabs", "from the first tab"])
        alice.click("logout-button")
        for tab in (alice, second):
            tab.wait(lambda: tab.visible("login-username"), "the login screen")
        self.assertEqual(alice.script("return localStorage.getItem('chat.token');"), None)
        self.expect_clean_console(alice, bob)

    def test_groups_admins_add_and_remove_members_and_members_leave(self):
        alice = self.page().register("alice")
        bob = self.page().register("bob")
        self.register_by_protocol("carol")
        alice.click("new-group-button")
        alice.type_into("group-name", "Team")
        alice.type_into("group-members", "bob" + Keys.ENTER)
        alice.wait(lambda: alice.visible("chat-view") and alice.text("chat-title") == "Team", "the new group open")
        alice.send("welcome")
        bob.open_chat("Team")
        bob.expect_message("welcome")

        alice.click("members-button")
        alice.type_into("add-member", "carol" + Keys.ENTER)
        members = "return [...document.querySelectorAll('#member-list li')].map(li => li.firstChild.textContent);"
        alice.wait(lambda: sorted(alice.script(members)) == ["alice", "bob", "carol"], "carol added")
        alice.driver.find_element(By.CSS_SELECTOR, "button[aria-label='Remove bob']").click()
        alice.wait(lambda: sorted(alice.script(members)) == ["alice", "carol"], "bob removed")
        bob.wait(lambda: [c["name"] for c in bob.chats()] == [] and not bob.visible("chat-view"),
                 "the group gone from bob's page")
        # Bob, not an admin of anything, is offered no removal; carol leaves by herself.
        carol = self.page().log_in("carol")
        carol.open_chat("Team")
        carol.click("members-button")
        self.assertEqual(carol.driver.find_elements(By.CSS_SELECTOR, "#member-list button"), [])
        carol.click("leave-button")
        carol.wait(lambda: carol.chats() == [], "the group gone after leaving")
        alice.wait(lambda: alice.script(members) == ["alice"], "carol gone from the members")
        self.expect_clean_console(alice, bob, carol)

    def test_forms_are_labelled_and_usable_by_keyboard(self):
        self.register_by_protocol("alice")
        page = self.page()
        page.wait(lambda: page.visible("login-username"), "the login form")
        unlabelled = page.script("""
            return [...document.querySelectorAll('input, textarea, select')]
                .filter(field => field.labels.length === 0).map(field => field.id);""")
        self.assertEqual(unlabelled, [])
        # Focus starts in the username field; Tab moves to the password; Enter logs in.
        self.assertEqual(page.script("return document.activeElement.id;"), "login-username")
        ActionChains(page.driver).send_keys("alice", Keys.TAB, PASSWORD, Keys.ENTER).perform()
        page.wait(lambda: page.visible("me") and page.text("me") == "alice", "signed in by keyboard")
        unlabelled_buttons = page.script("""
            return [...document.querySelectorAll('button')]
                .filter(button => !(button.textContent.trim() || button.getAttribute('aria-label'))).length;""")
        self.assertEqual(unlabelled_buttons, 0)
        self.expect_clean_console(page)

    def test_the_page_is_served_from_the_binary_with_its_policy_and_revalidated(self):
        with urllib.request.urlopen(self.gateway.url) as response:
            body = response.read().decode()
            headers = response.headers
        source = (ROOT / "web" / "index.html").read_text(encoding="utf-8")
        self.assertEqual(body, source.removesuffix("\n"), "the binary serves web/index.html as it is")
        self.assertEqual(headers["Cache-Control"], "no-cache")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        policy = headers["Content-Security-Policy"]
        for directive in ["default-src 'none'", "connect-src 'self'", "script-src 'sha256-", "frame-ancestors 'none'"]:
            self.assertIn(directive, policy)
        self.assertNotIn("unsafe-inline", policy)
        request = urllib.request.Request(self.gateway.url, headers={"If-None-Match": headers["ETag"]})
        with self.assertRaises(urllib.error.HTTPError) as unchanged:
            urllib.request.urlopen(request)
        self.assertEqual(unchanged.exception.code, 304)
        with urllib.request.urlopen(self.gateway.url + "favicon.ico") as icon:
            self.assertEqual(icon.status, 200)
            self.assertEqual(icon.headers["Content-Type"], "image/svg+xml")
            self.assertIn(b"<svg", icon.read())
        # A script the policy does not name does not run, even if it got into the page.
        page = self.page()
        page.wait(lambda: page.visible("login-username"), "the login form")
        page.script("""
            const injected = document.createElement('script');
            injected.textContent = "document.title = 'injected';";
            document.body.append(injected);""")
        self.assertNotEqual(page.driver.title, "injected")
        self.assertTrue(any("Content Security Policy" in message for message in page.console_errors()),
                        "the browser reports the refused script")


if __name__ == "__main__":
    unittest.main(verbosity=2)
