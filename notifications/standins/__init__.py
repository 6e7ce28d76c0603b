"""Local stand-ins for WeChat's and the SMS providers' HTTP APIs.

They are real HTTP servers on loopback that the real client libraries (wechatpy, the Alibaba
Cloud and Tencent Cloud SDKs) talk to, for tests and the embedded demo. They are never a
substitute for a feature: they only answer as the real APIs would, record what they were
sent, and can be scripted to fail.
"""
