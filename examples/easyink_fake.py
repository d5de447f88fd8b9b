import signport
from signport.fakeserver import serve
from signport_easyink.fake import create_app

with serve(create_app()) as url:
    client = signport.connect("easyink", access_token="test-token", base_url=url, identity_url=url)
