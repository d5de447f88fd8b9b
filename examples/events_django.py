# --8<-- [start:mount]
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from events_receiver import receiver  # the receiver above (examples/events_receiver.py)


def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    reply = receiver.respond(request.method, provider, request.headers, request.body)
    return HttpResponse(reply.body, status=reply.status, headers=dict(reply.headers))


urlpatterns = [path("webhooks/<str:provider>", csrf_exempt(webhook))]  # vendors cannot send your CSRF token
# --8<-- [end:mount]


if __name__ == "__main__":  # this module as the URL configuration, CSRF checks on; each delivery posted twice
    import django
    from django.conf import settings

    settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], SECRET_KEY="only-for-this-example",
                       MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"], INSTALLED_APPS=[], USE_TZ=True)
    django.setup()
    from django.test import Client

    from events_receiver import local_deliveries

    client = Client(enforce_csrf_checks=True)
    for headers, body in local_deliveries() * 2:
        reply = client.post("/webhooks/local", data=body, content_type=headers["content-type"],
                            headers={k: v for k, v in headers.items() if k != "content-type"})
        print("django", reply.status_code, reply.json()["outcome"])
