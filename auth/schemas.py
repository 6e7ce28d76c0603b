from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from miniapp_api.api import Schema
from miniapp_api.records import fields as f


class WeChatLoginIn(Schema):
    code = f.Text(
        required=True,
        validate=validate.Length(max=128),
        metadata={"label": "登录凭证", "description": "小程序 wx.login() 得到的 code"},
    )


class TokensOut(Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String(metadata={"description": "只能使用一次；刷新后换发新的"})
    token_type = ma.fields.String(dump_default="Bearer")
    expires_in = ma.fields.Integer(metadata={"description": "access_token 有效秒数"})
    refresh_expires_in = ma.fields.Integer(metadata={"description": "本次登录最长有效秒数"})
    kind = ma.fields.String(metadata={"description": "claimant / employer / staff"})
    level = ma.fields.String(
        allow_none=True, metadata={"description": "申领人的认证级别：wechat / bound / face_verified"}
    )


class IdentityIn(Schema):
    id_number = f.IdNumber(required=True, metadata={"label": "身份证号码", "example": "11010519491231002X"})
    name = f.Text(required=True, validate=validate.Length(max=50), metadata={"label": "姓名", "example": "王建国"})


class PersonBriefOut(Schema):
    name = ma.fields.String(metadata={"description": "姓名（部分隐藏）"})
    id_number = ma.fields.String(metadata={"description": "身份证号码（部分隐藏）"})
    region_code = ma.fields.String()


class IdentityOut(Schema):
    level = ma.fields.String()
    already_bound = ma.fields.Boolean()
    person = ma.fields.Nested(PersonBriefOut)


class EmployerWeChatLoginIn(WeChatLoginIn):
    credit_code = f.CreditCode(required=True, metadata={"label": "统一社会信用代码"})


class EmployerWeChatPhoneLoginIn(EmployerWeChatLoginIn):
    phone_code = f.Text(
        required=True,
        validate=validate.Length(max=128),
        metadata={"label": "手机号授权凭证", "description": "小程序 getPhoneNumber 按钮得到的 code"},
    )


class EmployerWeChatOut(Schema):
    bound = ma.fields.Boolean()
    message = ma.fields.String()


class EmployerCodeIn(Schema):
    credit_code = f.CreditCode(required=True, metadata={"label": "统一社会信用代码"})
    phone = f.MobilePhone(required=True, metadata={"label": "联系人手机号码"})


class EmployerCodeOut(Schema):
    message = ma.fields.String()
    expires_in = ma.fields.Integer()


class EmployerLoginIn(EmployerCodeIn):
    code = ma.fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{6}$", error="验证码应为6位数字"),
        metadata={"label": "短信验证码"},
    )


class StaffLoginIn(Schema):
    username = f.Text(required=True, validate=validate.Length(max=40), metadata={"label": "用户名"})
    password = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=200), load_only=True, metadata={"label": "密码"}
    )
    code = ma.fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{6}$", error="应为身份验证器中的6位数字"),
        load_only=True,
        metadata={
            "label": "动态验证码",
            "description": "身份验证器（TOTP）当前显示的6位数字；在经办工作台首次登录时绑定",
        },
    )


class RefreshIn(Schema):
    refresh_token = ma.fields.String(
        required=True, validate=validate.Length(min=10, max=200), metadata={"label": "刷新凭证"}
    )


class EmployerBriefOut(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String()


class StaffBriefOut(Schema):
    username = ma.fields.String()
    display_name = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    region_code = ma.fields.String(allow_none=True, metadata={"description": "所属统筹地区；为空表示全省账号"})


class MeOut(Schema):
    kind = ma.fields.String()
    level = ma.fields.String(allow_none=True)
    face_verified_until = ma.fields.DateTime(allow_none=True)
    person = ma.fields.Nested(PersonBriefOut, allow_none=True)
    employer = ma.fields.Nested(EmployerBriefOut, allow_none=True)
    contact_phone = ma.fields.String(allow_none=True, metadata={"description": "部分隐藏"})
    staff = ma.fields.Nested(StaffBriefOut, allow_none=True)
