# --8<-- [start:mount]
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from events_receiver import receiver  # the receiver above (examples/events_receiver.py)

flask_app = Flask(__name__)
flask_app.wsgi_app = DispatcherMiddleware(flask_app.wsgi_app, {"/webhooks": receiver.wsgi})  # type: ignore[method-assign]
# --8<-- [end:mount]


@flask_app.get("/")
def index() -> str:
    return "the application's own page"


if __name__ == "__main__":  # the app still serves its own pages; each delivery posted twice is handled once
    from events_receiver import local_deliveries

    client = flask_app.test_client()
    page = client.get("/")
    print("flask", page.status_code, page.text)
    for headers, body in local_deliveries() * 2:
        reply = client.post("/webhooks/local", headers=headers, data=body)
        print("flask", reply.status_code, reply.get_json()["outcome"])
