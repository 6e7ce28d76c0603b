"""The claim notice (《失业保险金申领告知书》) for one dismissed worker, as a PDF.

The content follows the notice Xing'an League attached to 兴人社办发〔2020〕57号, brought in line
with 人社厅发〔2020〕24号: no proofs are needed, the claim is made online with a face check, and
a late application is never refused.
"""

from __future__ import annotations

from miniapp_api.clock import china_now
from miniapp_api.documents.pdf import Document
from miniapp_api.records.models import Employer, Person, Region

CONDITIONS = (
    "（一）按照规定参加失业保险，所在单位和本人已按照规定履行缴费义务满1年；",
    "（二）非因本人意愿中断就业；",
    "（三）已进行失业登记，并有求职要求（失业登记与申领同时在线办理）。",
)


def notice_pdf(person: Person, employer: Employer, region: Region, separated_on: str) -> bytes:
    document = Document("失业保险金申领告知书", subject=f"{person.name}（{employer.name}）")
    document.paragraph(f"{person.name}{'先生' if person.sex == 'M' else '女士'}：")
    document.paragraph(
        f"您与{employer.name}于{separated_on}终止或解除劳动关系。根据《社会保险法》《失业保险条例》和"
        "《人力资源社会保障部办公厅关于进一步推进失业保险金“畅通领、安全办”的通知》（人社厅发〔2020〕24号），"
        "现将申领失业保险金的有关事项告知如下："
    )
    document.heading("一、申领条件")
    for line in CONDITIONS:
        document.paragraph(line)
    document.heading("二、如何申领")
    document.paragraph(
        "在微信中搜索“失业保险服务”小程序，微信登录后填写本人身份证号码并完成刷脸核验，确认自动生成的申领表即可提交，"
        "失业登记同时办理。无需提供解除劳动关系证明、失业登记证明等材料；也可携带身份证或社会保障卡到下列经办机构办理。"
    )
    document.paragraph("超过60日申领的，不影响您依法享受失业保险待遇。")
    document.heading("三、待遇与发放")
    document.paragraph("失业保险金按月发放至本人社会保障卡银行账户，请提前激活该账户。")
    document.paragraph("领取失业保险金期间的基本医疗保险费由失业保险基金代缴，个人不缴纳。")
    document.paragraph("领取期间不需要每月到经办机构签到。")
    document.heading("四、温馨提示")
    document.paragraph(
        "领取期间如实现就业（有单位为您缴纳社会保险）、应征服兵役、移居境外、开始领取基本养老金或被判刑收监执行，"
        "请及时通过小程序或向经办机构报告，停止领取。灵活就业不影响领取。"
    )
    document.heading("五、经办机构")
    document.pairs(
        [
            ("名称", region.agency_name),
            ("咨询电话", f"{region.agency_phone}（或12333）"),
            ("地址", region.agency_address),
        ]
    )
    document.space()
    document.paragraph(
        f"用人单位：{employer.name}（统一社会信用代码 {employer.credit_code}）。用人单位应将本告知书交给失业人员，"
        "告知其依法享受失业保险待遇的权利（人社厅发〔2020〕24号第七条）。",
        "small",
    )
    document.paragraph(f"本告知书由系统生成，生成时间：{china_now():%Y年%m月%d日}。", "small")
    return document.render()
