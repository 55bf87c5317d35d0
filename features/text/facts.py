"""Facts of a personal-information case from a Chinese fact description, each with the text that supports it.

``extract_facts(text)`` returns an :class:`Extraction`: ``case`` holds the fields of
:class:`features.law.schema.CriminalCase` that can be read from facts (valid for ``features.law.schema.parse_case``),
``evidence`` maps each found field to the spans of the input it came from, ``warnings`` says where a reading
was uncertain (ranges, several competing figures, vague amounts). A field that is not stated is ``None`` (an
empty list for ``data_types``/``conduct``): nothing is guessed. Negations that are stated (不构成自首, 未退赃,
拒不供述) give ``False``.

The rules are keyword and pattern tables (below), so that a reviewer can read and change them; numbers go
through :mod:`features.text.numbers` (cn2an). Pure function, no I/O, no logging (the text may hold personal data).

Conventions (the evaluation set tests/data/extraction_eval.jsonl follows them):
- ``records_total``: the count marked as a total (共计/合计/累计...) if any; else the sum of per-type counts or
  the largest untyped count, whichever is larger; a range gives its lower bound; 余/多 are dropped (73万余条
  -> 730,000). Counts of 条/组/份/户 only, and only next to a word naming data (信息, 数据, 资料, 记录...).
- ``records_by_type``: only when a count is written next to exactly one data-type word (住宿记录5,000余条).
- ``illegal_profit_yuan`` (获利, 违法所得, 得款, 好处费...) and ``sales_yuan`` (销售金额, 交易金额, 以X元的价格出售):
  the nearest keyword before the amount decides; per-record prices (每条5元), purchase costs, fines, values
  and refunds are skipped.
- ``victim_category``: a victim word that qualifies data (业主信息, 车主姓名, 用户账号...); the most protected
  category wins (minors > elderly > patients > students > ...); 学生 of a 小学/初中/幼儿园 are minors.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from features.law.schema import parse_case
from features.law.vocab import Conduct, DataType, DownstreamUse, VictimCategory
from features.text.dates import find_conduct_date
from features.text.numbers import (
    NUMBER_START,
    QUANTITY,
    Quantity,
    Span,
    make_span,
    normalize,
    parse_number,
    quantity_from_match,
    vague_before,
)

# Fields this module fills (all present in ``Extraction.case``; None / [] when not found).
SCALAR_FIELDS = (
    "records_total",
    "records_by_type",
    "victim_category",
    "insider",
    "illegal_profit_yuan",
    "sales_yuan",
    "downstream_use",
    "n_defendants",
    "surrender",
    "truthful_confession",
    "guilty_plea",
    "restitution",
    "recidivist",
    "unit_crime",
    "conduct_date",
)
LIST_FIELDS = ("data_types", "conduct")
EXTRACTED_FIELDS = SCALAR_FIELDS + LIST_FIELDS

MAX_RECORDS = 1e11  # more than ten times the world population: a misreading, not a count
MAX_YUAN = 1e12
MAX_DEFENDANTS = 10_000


class Extraction(BaseModel):
    """Result of :func:`extract_facts`."""

    case: dict[str, Any] = Field(description="CriminalCase fields read from the text (None/[] when not stated)")
    evidence: dict[str, list[Span]] = Field(
        default_factory=dict, description="field -> spans of the input text supporting its value"
    )
    warnings: list[str] = Field(default_factory=list)

    def found(self) -> dict[str, Any]:
        """Only the fields that were found (to merge into a case the user gave)."""
        return {k: v for k, v in self.case.items() if v is not None and v != []}


# ---------------------------------------------------------------------------------------------------------
# keyword tables

# (data type, pattern, needs list context). Generic words (电话, 地址, 密码...) count only inside an
# enumeration of data (姓名、电话、住址等信息), not in 电话推销 or 通过电话联系.
DATA_TYPE_PATTERNS: tuple[tuple[DataType, str, bool], ...] = (
    (
        DataType.whereabouts,
        r"行踪轨迹|行动轨迹|活动轨迹|出行记录|行程信息|定位信息|位置信息|实时定位|GPS定位",
        False,
    ),
    (DataType.whereabouts, r"出行|行踪|位置|定位", True),
    (DataType.communication_content, r"通信内容|通讯内容|聊天记录|聊天内容|短信内容|通话内容|邮件内容", False),
    (DataType.credit, r"征信|信用报告|信用记录|信用信息", False),
    (DataType.property, r"财产信息|财产状况|资产信息|存款信息|存款余额|账户余额|资金信息", False),
    (DataType.property, r"存款", True),
    (DataType.lodging, r"住宿信息|住宿记录|开房记录|开房信息|入住信息|入住登记|入住记录|住宿登记", False),
    (DataType.lodging, r"住宿|开房", True),
    (DataType.communication_records, r"通话记录|通话详单|通话清单|话单|通信记录|通讯记录|短信记录", False),
    (DataType.communication_records, r"通话", True),
    (
        DataType.health,
        r"健康信息|病历|就诊信息|就诊记录|体检|病情|诊疗|孕检|产检|分娩|生理信息|病史|健康状况|核酸检测|疫苗接种"
        r"|孕产妇信息|孕妇信息|产妇信息|母婴信息",
        False,
    ),
    (DataType.health, r"健康", True),
    (
        DataType.transaction,
        r"交易信息|交易记录|订单信息|订单数据|网购订单|网购信息|购物信息|购物记录|消费记录",
        False,
    ),
    (DataType.identity, r"身份证号码?|身份证信息|身份证照片|身份证复印件|身份信息|户籍信息", False),
    (DataType.identity, r"身份证|身份|户籍", True),
    (DataType.contact, r"手机号码?|电话号码|联系电话|联系方式|微信号|QQ号|通讯录", False),
    (DataType.contact, r"电话(?!卡)", True),
    (DataType.address, r"家庭住址|居住地址|收货地址|家庭地址|详细地址", False),
    (DataType.address, r"住址|地址", True),
    (
        DataType.financial_account,
        r"银行卡号|银行卡信息|银行账户|银行账号|资金账户|支付宝账[号户]|信用卡号|信用卡信息|证券账户|微信支付账户",
        False,
    ),
    (DataType.financial_account, r"银行卡", True),
    (DataType.account_password, r"账号及密码|账号和密码|账号密码|账户密码|登录密码|账户及密码", False),
    (DataType.account_password, r"密码", True),
    (DataType.biometric, r"人脸|面部识别|面部信息|指纹|声纹|虹膜|生物识别", False),
    (DataType.vehicle, r"车辆信息|车主信息|车牌号码?|车架号|行驶证|车辆登记", False),
    (DataType.vehicle, r"车辆", True),
    (DataType.education, r"学籍|学生信息|考生信息|学历信息|学生资料|成绩信息", False),
    (DataType.employment, r"简历|求职信息|工作单位|职业信息|社保信息|应聘信息", False),
    (DataType.real_estate, r"房产信息|业主信息|购房信息|购房客户|不动产|房屋信息|业主资料", False),
    (DataType.parcel, r"快递面单|快递单|面单|物流信息|快递信息|运单", False),
    (
        DataType.minor_info,
        r"未成年人的?(?:个人)?信息|儿童的?(?:个人)?信息|新生儿的?(?:个人)?信息|学生儿童信息",
        False,
    ),
    (DataType.business_data, r"企业信息|工商信息|公司信息|企业数据|法人信息|工商登记信息", False),
)

_OWN_PAPERS = re.compile(r"被告人[^,;。、]{0,5}$")
# one regex per entry (several passes of literal alternations are faster than one big alternation in `re`)
_DATA_TYPE_RES = [(t, re.compile(p), ctx) for t, p, ctx in DATA_TYPE_PATTERNS]

_VICTIM_WORDS: dict[VictimCategory, tuple[str, ...]] = {
    VictimCategory.minors: (
        "未成年人",
        "未成年",
        "儿童",
        "幼儿",
        "新生儿",
        "婴儿",
        "中小学生",
        "小学生",
        "初中生",
    ),
    VictimCategory.students: ("学生", "大学生", "高校学生", "考生", "高中生", "学员"),
    VictimCategory.elderly: ("老年人", "老年", "老人", "退休人员", "离退休"),
    VictimCategory.patients: ("患者", "病人", "孕产妇", "孕妇", "产妇", "就诊人"),
    VictimCategory.homeowners: ("业主", "购房客户", "购房者", "购房人", "房主"),
    VictimCategory.car_owners: ("车主",),
    VictimCategory.parents: ("家长", "学生家长", "父母"),
    VictimCategory.customers: ("客户", "顾客", "会员", "持卡人", "储户", "消费者"),
    VictimCategory.investors: ("投资者", "投资人", "股民", "基民"),
    VictimCategory.job_seekers: ("求职者", "求职", "应聘者", "应聘人员"),
    VictimCategory.businesses: ("企业", "商户", "商家"),
    VictimCategory.platform_users: ("用户", "注册用户", "网民"),
    VictimCategory.general_public: ("居民", "市民", "群众", "村民", "公众"),
    VictimCategory.specific_individual: ("特定人员", "特定对象", "特定人"),
}
# the most protected group first (aggravating under the 2021 guideline: minors, elderly), then the specific
VICTIM_PRIORITY: tuple[VictimCategory, ...] = (
    VictimCategory.minors,
    VictimCategory.elderly,
    VictimCategory.patients,
    VictimCategory.students,
    VictimCategory.parents,
    VictimCategory.specific_individual,
    VictimCategory.homeowners,
    VictimCategory.car_owners,
    VictimCategory.job_seekers,
    VictimCategory.investors,
    VictimCategory.customers,
    VictimCategory.platform_users,
    VictimCategory.businesses,
    VictimCategory.general_public,
)
_VICTIM_QUALIFIES = re.compile(
    r"信息|资料|数据|名单|姓名|电话|手机|身份|住址|地址|联系|人脸|照片|简历|账号|账户|资金|资产|病历|体检|订单|聊天|学籍|个人|征信|报告"
    r"|记录|轨迹|行踪|详单|住宿|入住"
)
_VICTIM_LOOKUP = {w: cat for cat, ws in _VICTIM_WORDS.items() for w in ws}
_VICTIM_RE = re.compile("|".join(re.escape(w) for w in sorted(_VICTIM_LOOKUP, key=len, reverse=True)))
_SCHOOL_MINORS = re.compile(r"小学|初中|幼儿园|中小学")

CONDUCT_PATTERNS: tuple[tuple[Conduct, str], ...] = (
    (
        Conduct.sell,
        r"出售|贩卖|售卖|倒卖|转卖|卖给|卖出|出卖|兜售|贩售|售出|卖予|变卖|销售(?=[^,;。]{0,8}(?:信息|数据|资料))",
    ),
    (
        Conduct.provide,
        r"提供给|非法提供|提供(?=[^,;。]{0,10}(?:信息|数据|资料|记录|报告|详单|名单))|发送给|交给|交由|分享给|共享给|转发给|传给"
        r"|(?:为|帮|替|帮助)[^,;。]{0,8}查询|向[^,;。]{0,8}提供",
    ),
    (
        Conduct.obtain_purchase,
        r"(?:购买|收购|购得|买来|买入|求购|购进)(?![者人方]|的?(?:手机卡|电话卡|设备|软件|程序|服务器|源码|源代码|猫池|工具))"
        r"|交换|换取|互换|从[^,;。]{0,15}处(?:免费)?(?:获得|获取|得到|取得)",
    ),
    (
        Conduct.steal_hack,
        r"窃取|盗取|黑客|木马|侵入|入侵|破解|撞库|拖库|脱库|漏洞|植入[^,;。]{0,6}(?:病毒|程序|插件)|盗号|非法控制",
    ),
    (Conduct.scrape, r"爬虫|爬取|抓取|采集软件|批量采集"),
    (
        Conduct.collect_without_consent,
        r"(?:私自|擅自|违规|违法|非法|秘密|偷偷)(?:收集|采集)|未经[^,;。]{0,12}(?:同意|授权)[^,;。]{0,8}(?:收集|采集)"
        r"|诱骗[^,;。]{0,15}(?:登记|填写|提供|扫码|注册)",
    ),
    (Conduct.leak, r"(?:泄露|泄漏|外泄)(?!的)"),
)
_USE_OBJECT = re.compile(
    r"(?:利用|使用)(?P<filler>[^,;。]{0,6}?)(?:公民)?(?:个人)?(?:信息|数据|资料)(?!查询|系统|库|平台|中心|科)"
    r"|用于(?=[^,;。]{0,12}(?:推销|营销|诈骗|催收|讨债|发送|拨打|推广|宣传|实施|招揽|广告))"
    r"|(?:通过|利用|使用)[^,;。]{0,8}(?:信息|数据|资料)[^,;。]{0,4}(?:拨打|发送|推销|营销|实施|注册|办理)"
)
# the data went to someone else earlier in the clause: what follows is their use, not the defendant's
_TRANSFERRED = re.compile(r"出售给|卖给|提供给|发送给|交给|转卖给|转给")
_USE_FILLER_BAD = re.compile(r"[查系平技软程便职工网库漏]")

DOWNSTREAM_PATTERNS: tuple[tuple[DownstreamUse, str], ...] = (
    (DownstreamUse.fraud, r"诈骗(?!罪)|骗取"),
    (
        DownstreamUse.stalking,
        r"跟踪|盯梢|寻人|查找[^,;。]{0,6}下落|找到[^,;。]{0,8}住处|报复|婚外情|调查[^,;。]{0,4}行踪",
    ),
    (DownstreamUse.debt_collection, r"催收|讨债|追债|要债|收账"),
    (DownstreamUse.marketing, r"推销|营销|推广|广告|招揽|揽客|拉客"),
)
_JOB_CLAUSE = re.compile(r"系|担任|作为|身为|任职")

INSIDER_PATTERNS = (
    r"利用[^,;。]{0,24}?(?:便利|之便|工作机会|职务|职权)",
    r"(?:系|是|作为|身为|担任|原系|原为|时任|曾任)[^,;。]{0,20}?"
    r"(?:员工|职员|工作人员|业务员|快递员|派件员|客户经理|医生|护士|教师|老师|教务员|民警|辅警|警察|公务员|置业顾问|营业员"
    r"|收费员|负责人|前台|工程师|客服|管理员|主管|会计|专员|催收人员|店长|经理|技术员|销售顾问|保安|职工|调查员|信贷员)",
    r"在[^,;。]{0,25}?(?:工作|任职|就职|担任|任|实习|上班)[^,;。]{0,20}?(?:期间|时|过程中|之际)",
    r"履行职责或者?提供服务",
)
_NOT_EMPLOYED = re.compile(r"无业|无固定职业|无职业|农民|个体")

# (field, positive, negative): a stated negation gives False and wins over a positive mention. Surrender is read by
# its own rules below (SURRENDER_*), since how a defendant came to the police decides it.
FLAG_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        "truthful_confession",
        # 坦白 (Criminal Law Art. 67(3)): a truthful confession after being brought in
        r"如实供述|如实交代|如实供认|坦白|主动交代|供认不讳|如实陈述",
        # a retraction that is taken back before the first-instance judgment is a confession again (SPC 1998
        # Interpretation on surrender and meritorious service, Art. 1(2)): "翻供" only counts when not followed by
        # a renewed truthful confession in the same sentence
        r"拒不供述|拒不交代|拒不认罪|(?:未|没有|不|未能)如实(?:供述|交代)|翻供(?![^。;]{0,24}又[^。;]{0,4}如实(?:供述|交代))",
    ),
    (
        "guilty_plea",
        # 认罪认罚 (Criminal Procedure Law Art. 15): the plea and the signed statement (具结书) are the formulas
        r"认罪认罚|具结书",
        r"(?:不|拒绝|未|拒不)[^,;。]{0,3}(?:认罪认罚|签署[^,;。]{0,6}具结书)|撤回[^,;。]{0,6}具结书",
    ),
    (
        "restitution",
        r"退赃|退缴|退赔|(?:退还|退出|退回)[^,;。]{0,8}(?:违法所得|赃款|所得|款项|获利)|积极赔偿",
        r"(?:未|没有|拒不|未能|无|尚未)(?:退赃|退缴|退赔|退还|退出|退回)",
    ),
    ("recidivist", r"累犯", r"(?:不构成|不属于|不是|非|不系|不认定为?|不能认定为?)累犯"),
    ("unit_crime", r"被告单位|单位犯罪", r"(?:不构成|不属于|不是)单位犯罪"),
)

# Surrender (自首, Criminal Law Art. 67(1)) is voluntary appearance plus a truthful confession. The formulas follow
# the SPC's Interpretation on surrender and meritorious service (法释〔1998〕8号) Art. 1 and its Opinions on
# specific questions (法发〔2010〕60号) Art. 1, and what judgments write:
# - a finding of the court: 系自首 / 构成自首 / 具有自首情节 / 以自首论 / 视为自动投案 (the word 自首 itself);
# - voluntary appearance (1998 Art. 1(1): to the police, a procuratorate, a court, one's unit...): 自动投案,
#   主动投案, 投案自首, 主动到公安机关, 主动到案, 自行到案; coming in on a telephone or oral summons (经电话通知到案,
#   接到民警电话后到派出所), which courts treat as voluntary because the person was free not to come (the SPC's
#   Criminal Trial Reference case of Wang Chunming); persuaded or accompanied by relatives (在家属陪同下投案,
#   1998 Art. 1(1): 经亲友规劝、陪同投案); arrested on the way to surrender (1998 Art. 1(1): 投案途中被捕获).
SURRENDER_FINDING = r"自首|视为自动投案"
SURRENDER_APPEARANCE = (
    r"(?:自动|主动|自行)投案|投案自首|(?:主动|自动|自行)(?:到案|归案)"
    r"|(?:主动|自动|自行)(?:前往|来到|到)[^,;。]{0,12}(?:公安|派出所|刑警|侦查|检察|法院|纪委|监察)"
    r"|(?:电话|口头)(?:通知|传唤)[^,;。]{0,12}(?:到案|归案|投案|到[^,;。]{0,12}(?:公安|派出所|刑警|接受))"
    r"|接到[^,;。]{0,12}(?:电话|通知)[^,;。]{0,4}后[^,;。]{0,8}(?:到|前往|来到)[^,;。]{0,12}(?:公安|派出所|刑警|侦查)"
    r"|陪同下?[^,;。]{0,12}(?:投案|到案|到[^,;。]{0,10}(?:公安|派出所))|规劝[^,;。]{0,8}(?:投案|到案)"
    r"|投案途中|向[^,;。]{0,12}(?:公安|派出所|检察|法院)[^,;。]{0,4}投案"
)
# stated refusal: the court found no surrender, an appearance that was not voluntary, or one undone (1998 Art. 1(1):
# fleeing after surrendering; Art. 1(2): retracting the confession without taking it back)
SURRENDER_NEGATION = (
    r"(?:不构成|不属于|不成立|不认定|不能认定|不应认定|不宜认定|不符合|不具有|不具备|没有|无|不系|并非)[^,;。]{0,6}"
    r"(?:自首|自动投案|主动投案)"
    r"|自首[^,;。]{0,4}(?:不成立|不能成立|不予认定)"
    r"|自首[^。;]{0,30}?(?:意见|主张)[^。;]{0,30}?(?:不予采纳|不能成立|不予支持|不成立)"
    r"|投案后[^,;。]{0,4}(?:又|再次)?逃跑"
)
# arrest: not surrender when nothing voluntary is stated (unknown, with a warning, when both are stated: often two
# defendants); 强制传唤 / 拘传 are coercive summonses
SURRENDER_ARREST = (
    r"被(?!告|害)[^,;。]{0,10}?(?:抓获|抓捕|查获|挡获|捕获|缉拿|扭送|拘传)|抓获归案|抓捕归案|(?:强制传唤|拘传)到案"
)

# Charge names contain conduct words (出售、非法提供...): masked before reading conduct.
_CHARGE_NAMES = re.compile(r"(?:出售、非法提供|非法获取|侵犯)公民个人信息罪?|出售、非法提供")

# --- numbers in context
_RECORD_UNIT = "条组份户套张"
_OBJECT_UNITS = "套张"  # count records only next to a word naming data (银行卡信息1,024套), not objects
_QTY_UNIT = re.compile(rf"(?:约|近|逾|超过)?{NUMBER_START}{QUANTITY}(?P<unit>[{_RECORD_UNIT}]|元)")
_INFO_WORD = re.compile(
    r"信息|数据|资料|记录|名单|简历|面单|快递单|订单|账号|账户|密码|征信|报告|号码|病历|详单|话单|轨迹|档案|通讯录"
)
_MESSAGE_TAIL = re.compile(r"(?:短信|消息|邮件|广告|帖子|评论|微博|电话)$")
_TOTAL_MARK = re.compile(r"共计|合计|总计|累计|总共|一共|总数|总量|共(?!同|享|犯)")
_SUBSET_MARK = re.compile(r"其中")
_PER_UNIT_BEFORE = re.compile(r"每[条组份个户次人]|单价|一条")
_PER_UNIT_AFTER = re.compile(r"^(?:/[条组份个]|每[条组份个])")

_MONEY_KEYWORDS: tuple[tuple[str, str], ...] = (
    (
        "profit",
        r"违法所得|非法所得|非法获利|获利|牟利|得款|获得|好处费|收取|赚取|收益|盈利|获赃|报酬|得利|分得|分赃|获取|收入",
    ),
    (
        "sales",
        r"销售(?:总)?金额|销售(?:总)?额|交易(?:总)?金额|交易(?:总)?额|成交(?:总)?金?额|营业额|流水|销售收入|货款|售价",
    ),
    ("cost", r"支付|花费|购买|成本|投入|购得|买入|收购|付款"),
    ("fine", r"罚金|罚款|罚没|没收"),
    ("refund", r"退缴|退赔|退还|退出|退回|退赃|赔偿"),
    ("other", r"价值|损失|工资|月薪|借款|保证金|押金|贷款|欠款"),
)
_MONEY_KW = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _MONEY_KEYWORDS))
_PRICE_AFTER = re.compile(
    r"^(?:的)?(?:价格|价钱|单价)?(?P<verb>出售|卖给|卖出|转卖|售|出卖|卖|购买|收购|买入|买|购得)"
)

# --- defendants
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍"
    "庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华"
    "喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和"
    "仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉"
    "伊仝区郜海阚花权强帅屠豆朴盖练廉禚井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘"
    "亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
    "洪赖"
)
_COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|令狐|夏侯|端木|独孤"
_NAME_STOP = (
    r"[,;。、():和与及等]|伙同|在|于|通过|以|将|利用|向|从|为|系|因|自|使用|明知|非法|出售|购买|担任|作为|先后|分别|共同"
    r"|均|犯|的|经|受|又|是|到|被|对|已|主动|编写|注册|经营|原系|组织|负责|多次|还|也|即|遂|便|就|\s|$"
)
# anonymised names (张某, 王某某, 李×1) with any first character; full names only after a known surname
_NAME = (
    rf"(?:(?:{_COMPOUND_SURNAMES})?[\u4e00-\u9fff](?:某某|某[甲乙丙丁一二三四五六七八九0-9]?|[×xX*]+[0-9]*)"
    rf"|(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}}?(?={_NAME_STOP}))"
)
_NOT_NAMES = frozenset(
    [
        "明知",
        "到案",
        "归案",
        "供述",
        "辩解",
        "辩称",
        "当庭",
        "自愿",
        "主动",
        "应当",
        "作为",
        "为了",
        "于是",
        "平时",
        "常年",
        "时任",
        "原系",
        "曾因",
        "曾经",
        "安排",
        "任职",
        "任某",
        "对此",
        "对其",
        "对于",
        "向其",
        "在此",
        "于是",
        "和他",
        "和其",
        "关于",
        "有期",
        "共同",
        "均系",
        "均在",
        "利用",
        "通过",
        "将其",
        "因犯",
        "因此",
        "因涉嫌",
        "单位",
        "方面",
        "相互",
        "文化",
        "龙头",
        "高价",
        "高额",
        "成立",
        "成功",
        "明确",
        "路过",
        "原来",
        "原审",
        "都是",
        "都在",
        "所以",
        "所得",
        "元某",
    ]
)
_OTHER_ACTOR = re.compile(
    rf"他人|团伙|买家|下家|上家|购买者|买方|委托人|对方|同行|人员|客户|机构|[{_SURNAMES}]某某?"
)
_CLAUSE_SUBJECT = re.compile(
    rf"(?:{_NAME}|他人|团伙|买家|下家|上家|购买者|委托人|对方)(?=将|把|又|再|便|遂|利用|使用|出售|用)"
)
_DEFENDANT = re.compile(rf"被告人[:\s]?(?P<name>{_NAME})")
_ENUM_NAME = re.compile(rf"、(?:被告人)?(?P<name>{_NAME})")
_DEFENDANT_COUNT = re.compile(
    r"(?<![0-9一二两三四五六七八九十])(?P<a>[0-9一二两三四五六七八九十]++)(?:名|个)?被告人"
    r"|被告人(?:共)?(?P<b>[0-9一二两三四五六七八九十]++)名"
    r"|被告人[^。;]{0,30}?等(?P<c>[0-9一二两三四五六七八九十]+)(?:名|人)"
)
_SPECIFIC_VICTIM = re.compile(
    rf"(?:被害人|受害人)(?:{_NAME})?的?[^,;。]{{0,10}}(?:信息|记录|轨迹|住址|电话|行踪|下落|住处)"
)

_SENTENCE_END = re.compile(r"[。;!?\n]")
_CLAUSE_END = re.compile(r"[。;!?\n]|(?<!\d),|,(?!\d{3}(?!\d))|:")


# ---------------------------------------------------------------------------------------------------------


_Ev = tuple[int, int, str | None]  # evidence while extracting: start, end, label (Span objects made at the end)


@dataclass
class _Doc:
    original: str
    norm: str
    masked: str  # norm with charge names blanked (same length)
    clause_bounds: list[int] = field(default_factory=list)
    sentence_bounds: list[int] = field(default_factory=list)
    quantities: list[re.Match[str]] = field(default_factory=list)  # numbers followed by 条/组/份/户/套/张/元

    @classmethod
    def build(cls, text: str) -> _Doc:
        norm = normalize(text)
        masked = _CHARGE_NAMES.sub(lambda m: "□" * len(m.group(0)), norm)
        doc = cls(original=text, norm=norm, masked=masked)
        doc.clause_bounds = [m.start() for m in _CLAUSE_END.finditer(norm)]
        doc.sentence_bounds = [m.start() for m in _SENTENCE_END.finditer(norm)]
        doc.quantities = list(_QTY_UNIT.finditer(norm))
        return doc

    def clause_start(self, pos: int) -> int:
        i = bisect_right(self.clause_bounds, pos - 1)
        return self.clause_bounds[i - 1] + 1 if i else 0

    def clause_end(self, pos: int) -> int:
        i = bisect_right(self.clause_bounds, pos - 1)
        return self.clause_bounds[i] if i < len(self.clause_bounds) else len(self.norm)

    def sentence_start(self, pos: int) -> int:
        i = bisect_right(self.sentence_bounds, pos - 1)
        return self.sentence_bounds[i - 1] + 1 if i else 0

    def span(self, start: int, end: int, label: str | None = None) -> _Ev:
        return (start, end, label)


@dataclass
class _Mention:
    value: float
    start: int
    end: int
    is_total: bool = False
    is_subset: bool = False
    data_type: DataType | None = None
    range_high: float | None = None


@dataclass
class _State:
    doc: _Doc
    case: dict[str, Any]
    evidence: dict[str, set[_Ev]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add_evidence(self, name: str, spans: Iterable[_Ev]) -> None:
        self.evidence.setdefault(name, set()).update(spans)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def extract_facts(text: str) -> Extraction:
    """Read the case fields from a Chinese fact description; every found field comes with its evidence."""
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    doc = _Doc.build(text)
    state = _State(doc=doc, case={name: None for name in SCALAR_FIELDS} | {name: [] for name in LIST_FIELDS})
    type_hits = _data_types(state)
    defendants = _defendants(state)
    _records(state, type_hits)
    _money(state)
    _victim(state)
    _conduct(state, defendants)
    _downstream(state)
    _insider(state)
    _flags(state)
    _conduct_date(state)
    _validate(state)
    evidence = {
        k: [make_span(text, s, e, label) for s, e, label in sorted(v, key=lambda t: (t[0], t[1], t[2] or ""))]
        for k, v in state.evidence.items()
        if v
    }
    return Extraction(case=state.case, evidence=evidence, warnings=state.warnings)


# --- data types


def _in_list_context(norm: str, start: int, end: int) -> bool:
    after = norm[end : end + 2]
    before = norm[max(0, start - 1) : start]
    if before == "、" or norm[max(0, start - 1) : start] in ("及", "和", "与"):
        return True
    return bool(re.match(r"[、及和与等]|信息|号码|资料|照片|数据|记录|号", after))


def _data_types(state: _State) -> list[tuple[int, int, DataType]]:
    norm = state.doc.norm
    hits: list[tuple[int, int, DataType]] = []
    covered = bytearray(len(norm) + 1)
    for data_type, pattern, needs_context in _DATA_TYPE_RES:
        for m in pattern.finditer(norm):
            start, end = m.start(), m.end()
            if needs_context and not _in_list_context(norm, start, end):
                continue
            if _OWN_PAPERS.search(norm, max(0, start - 8), start):
                continue  # 被告人张某的户籍资料: the defendant's own papers, cited as evidence
            # a generic word inside a keyword already found (电话 in 联系电话) is the same hit
            if all(covered[start:end]):
                continue
            covered[start:end] = b"\x01" * (end - start)
            hits.append((start, end, data_type))
    hits.sort()
    found: list[DataType] = []
    for start, end, data_type in hits:
        if data_type not in found:
            found.append(data_type)
        state.add_evidence("data_types", [state.doc.span(start, end, data_type.value)])
    state.case["data_types"] = [t.value for t in found]
    return hits


# --- record counts


def _record_window(doc: _Doc, start: int, floor: int) -> tuple[int, int]:
    """The text before a count that describes it: its clause (after the previous count), or the previous
    clause of the same sentence when the count's own clause says nothing but 共计/合计."""
    clause_start = max(doc.clause_start(start), floor)
    window = doc.norm[clause_start:start]
    core = _TOTAL_MARK.sub("", window)
    core = re.sub(r"[约近逾达为是有涉及包含总量数量\s]", "", core)
    if not _INFO_WORD.search(window) and len(core) <= 2 and clause_start > 0:
        sentence_start = doc.sentence_start(start)
        prev_start = max(doc.clause_start(clause_start - 1), sentence_start, floor)
        if prev_start < clause_start:
            return prev_start, start
    return clause_start, start


def _hits_within(hits: list[tuple[int, int, DataType]], start: int, end: int) -> list[tuple[int, int, DataType]]:
    """The hits (sorted by start) lying inside [start, end)."""
    i = bisect_left(hits, (start, -1, DataType.whereabouts))
    out = []
    while i < len(hits) and hits[i][0] < end:
        if hits[i][1] <= end:
            out.append(hits[i])
        i += 1
    return out


def _records(state: _State, type_hits: list[tuple[int, int, DataType]]) -> None:
    doc = state.doc
    norm = doc.norm
    mentions: list[_Mention] = []
    floor = 0
    for m in state.doc.quantities:
        if m.group("unit") == "元":
            continue
        start = m.start("a")
        if start > 0 and norm[start - 1] == "第":
            continue
        if vague_before(norm, start):
            state.warn("a record count is vague (数千/几万...): not used")
            continue
        qty = quantity_from_match(m)
        if qty is None:
            continue
        w_start, w_end = _record_window(doc, start, floor)
        window = norm[w_start:w_end]
        after = norm[m.end() : min(doc.clause_end(m.end()), m.end() + 12)]
        if _MESSAGE_TAIL.search(norm[max(0, start - 4) : start]) and not _INFO_WORD.search(
            norm[max(0, start - 4) : start]
        ):
            continue
        in_window = _hits_within(type_hits, w_start, w_end)
        if m.group("unit") in "张套份户" and qty.value < 2:
            continue  # 身份证一张, 证明一份: an object, not records
        if m.group("unit") in _OBJECT_UNITS:  # 银行卡信息1,024套 are records
            if not _INFO_WORD.search(norm, max(w_start, start - 8), start):
                continue
        elif not (in_window or _INFO_WORD.search(window) or _INFO_WORD.search(after)):
            continue
        own_clause = norm[max(doc.clause_start(start), floor) : start]
        types = {t for _, _, t in in_window}
        if not types:
            types = {t for _, _, t in _hits_within(type_hits, m.end(), m.end() + len(after))}
        mention = _Mention(
            value=qty.value,
            start=m.start(),
            end=m.end(),
            is_total=bool(_TOTAL_MARK.search(own_clause)),
            is_subset=bool(_SUBSET_MARK.search(own_clause)),
            data_type=next(iter(types)) if len(types) == 1 else None,
            range_high=qty.range_high,
        )
        floor = m.end()
        if qty.value > MAX_RECORDS:
            state.warn("a record count is implausibly large: not used")
            continue
        mentions.append(mention)
    if not mentions:
        return
    for mention in mentions:
        if mention.range_high is not None:
            state.warn("a range of record counts is stated: its lower bound is used")

    by_type: dict[DataType, _Mention] = {}
    for mention in mentions:
        if mention.data_type is None:
            continue
        held = by_type.get(mention.data_type)
        if held is not None and held.value != mention.value:
            state.warn(f"several counts for data type {mention.data_type.value}: the largest is used")
        if held is None or mention.value > held.value:
            by_type[mention.data_type] = mention
    typed_sum = sum(m.value for m in by_type.values())
    totals = [m for m in mentions if m.is_total and not m.is_subset]
    untyped = [m for m in mentions if m.data_type is None and not m.is_subset]

    chosen: list[_Mention]
    if totals:
        best = max(totals, key=lambda m: m.value)
        if len({m.value for m in totals}) > 1:
            state.warn("several record totals are stated: the largest is used")
        total, chosen = best.value, [best]
    elif untyped:
        best = max(untyped, key=lambda m: m.value)
        if len({m.value for m in untyped}) > 1:
            state.warn("several record counts and no stated total: the largest is used")
        total, chosen = best.value, [best]
        if typed_sum > total:
            state.warn("per-type counts add up to more than the untyped count: their sum is used as the total")
            total, chosen = typed_sum, list(by_type.values())
    else:
        total, chosen = typed_sum, list(by_type.values())

    if by_type and typed_sum > total:
        state.warn("per-type counts add up to more than the stated total: per-type counts dropped")
        by_type = {}
    state.case["records_total"] = int(total)
    state.add_evidence("records_total", (doc.span(m.start, m.end) for m in chosen))
    if by_type:
        state.case["records_by_type"] = {t.value: int(m.value) for t, m in by_type.items()}
        state.add_evidence("records_by_type", (doc.span(m.start, m.end, t.value) for t, m in by_type.items()))


# --- money


def _money(state: _State) -> None:
    doc = state.doc
    norm = doc.norm
    found: dict[str, list[_Mention]] = {"illegal_profit_yuan": [], "sales_yuan": []}
    floor = 0
    for m in state.doc.quantities:
        if m.group("unit") != "元":
            continue
        start = m.start("a")
        prev_floor = floor
        floor = m.end()
        if vague_before(norm, start):
            state.warn("an amount of money is vague (数千/几万...): not used")
            continue
        qty = quantity_from_match(m)
        if qty is None:
            continue
        clause_start = max(doc.clause_start(start), prev_floor)
        window = norm[clause_start:start]
        if len(re.sub(r"共计|合计|累计|总计|人民币|约|达|为|共|\s", "", window)) <= 1 and clause_start > 0:
            prev = max(doc.clause_start(clause_start - 1), doc.sentence_start(start), prev_floor)
            window = norm[prev:start]
        after = norm[m.end() : m.end() + 8]
        if _PER_UNIT_BEFORE.search(window[-4:]) or _PER_UNIT_AFTER.match(after):
            continue
        kind = _money_kind(window, after)
        if kind is None:
            continue
        if qty.value > MAX_YUAN:
            state.warn("an amount of money is implausibly large: not used")
            continue
        if qty.range_high is not None:
            state.warn("a range of money is stated: its lower bound is used")
        own = norm[max(doc.clause_start(start), prev_floor) : start]
        found[kind].append(
            _Mention(
                value=qty.value,
                start=m.start(),
                end=m.end(),
                is_total=bool(_TOTAL_MARK.search(own)),
                is_subset=bool(_SUBSET_MARK.search(own)),
            )
        )
    for name, mentions in found.items():
        if not mentions:
            continue
        totals = [m for m in mentions if m.is_total]
        pool = totals or [m for m in mentions if not m.is_subset] or mentions
        if len({m.value for m in pool}) > 1:
            label = "illegal gains" if name == "illegal_profit_yuan" else "sales"
            state.warn(f"several amounts of {label} and no single stated total: the largest is used")
        best = max(pool, key=lambda m: m.value)
        state.case[name] = _as_number(best.value)
        state.add_evidence(name, [doc.span(best.start, best.end)])


def _money_kind(window: str, after: str) -> str | None:
    price = _PRICE_AFTER.match(after)
    if price and "以" in window[-10:]:  # 以人民币三万元的价格出售 (a sale) / ...的价格购买 (a cost)
        return None if price.group("verb") in ("购买", "收购", "买入", "买", "购得") else "sales_yuan"
    last: tuple[int, str] | None = None
    for km in _MONEY_KW.finditer(window):
        kind = km.lastgroup or ""
        if kind == "refund":
            return None
        if last is None or km.end() >= last[0]:
            last = (km.end(), kind)
    if last is None:
        return None
    return {"profit": "illegal_profit_yuan", "sales": "sales_yuan"}.get(last[1])


def _as_number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 2)


# --- victims


def _victim(state: _State) -> None:
    doc = state.doc
    norm = doc.masked
    lookup = _VICTIM_LOOKUP
    hits: dict[VictimCategory, list[_Ev]] = {}
    for m in _VICTIM_RE.finditer(norm):
        if norm.startswith("居民身份证", m.start()):
            continue  # the name of the ID card, not residents
        right = norm[m.end() : min(doc.clause_end(m.end()), m.end() + 8)]
        if not _VICTIM_QUALIFIES.search(right):
            continue
        category = lookup[m.group(0)]
        if category is VictimCategory.students and _SCHOOL_MINORS.search(norm):
            category = VictimCategory.minors
        hits.setdefault(category, []).append(doc.span(m.start(), m.end(), category.value))
    for m in _SPECIFIC_VICTIM.finditer(norm):
        hits.setdefault(VictimCategory.specific_individual, []).append(
            doc.span(m.start(), m.end(), VictimCategory.specific_individual.value)
        )
    for category in VICTIM_PRIORITY:
        if category in hits:
            state.case["victim_category"] = category.value
            state.add_evidence("victim_category", hits[category])
            if len(hits) > 1:
                state.warn("several victim groups are named: the most protected one is used")
            return


# --- conduct, downstream use, insider


def _conduct(state: _State, defendants: set[str]) -> None:
    doc = state.doc
    text = doc.masked
    found: list[Conduct] = []
    spans: list[_Ev] = []

    def someone_else(pos: int) -> bool:
        """The clause is about another person's act (俞某将上述信息出售, 团伙利用该信息)."""
        before = text[doc.clause_start(pos) : pos]
        subject = _CLAUSE_SUBJECT.match(before)
        return bool(subject and subject.group(0) not in defendants)

    for conduct, pattern in CONDUCT_PATTERNS:
        for m in re.finditer(pattern, text):
            if someone_else(m.start()):
                continue
            spans.append(doc.span(m.start(), m.end(), conduct.value))
            if conduct not in found:
                found.append(conduct)
    for m in _USE_OBJECT.finditer(text):
        filler = m.group("filler")
        if filler is not None and _USE_FILLER_BAD.search(filler):
            continue
        before = text[doc.clause_start(m.start()) : m.start()]
        actors = [a.group(0) for a in _OTHER_ACTOR.finditer(before)]
        if any(a not in defendants for a in actors) or _TRANSFERRED.search(before):
            continue
        spans.append(doc.span(m.start(), m.end(), Conduct.use.value))
        if Conduct.use not in found:
            found.append(Conduct.use)
    order = list(Conduct)
    state.case["conduct"] = [c.value for c in sorted(found, key=order.index)]
    state.add_evidence("conduct", spans)


def _downstream(state: _State) -> None:
    doc = state.doc
    for use, pattern in DOWNSTREAM_PATTERNS:
        spans = []
        for m in re.finditer(pattern, doc.masked):
            clause = doc.masked[doc.clause_start(m.start()) : m.start()]
            if use is not DownstreamUse.marketing and _JOB_CLAUSE.search(clause):
                continue  # 系某银行催收人员: the defendant's job, not what the data was used for
            spans.append(doc.span(m.start(), m.end(), use.value))
        if spans:
            state.case["downstream_use"] = use.value
            state.add_evidence("downstream_use", spans)
            return


def _insider(state: _State) -> None:
    doc = state.doc
    spans = []
    for pattern in INSIDER_PATTERNS:
        for m in re.finditer(pattern, doc.masked):
            if _NOT_EMPLOYED.search(m.group(0)):
                continue
            spans.append(doc.span(m.start(), m.end()))
    if spans:
        state.case["insider"] = True
        state.add_evidence("insider", spans)


# --- flags


def _flags(state: _State) -> None:
    doc = state.doc
    for name, positive, negative in FLAG_PATTERNS:
        _flag(state, name, _find(positive, doc.masked), _find(negative, doc.masked))
    _surrender(state)
    if re.search(r"当庭[^,;。]{0,4}认罪", doc.masked) and state.case["guilty_plea"] is None:
        state.warn(
            "当庭认罪 (admitting guilt in court) is stated: it is neither 坦白 (Criminal Law Art. 67(3)) nor 认罪认罚 "
            "(Criminal Procedure Law Art. 15), so no field is read from it"
        )


def _find(pattern: str, text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _outside(spans: list[tuple[int, int]], within: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans that do not overlap any of ``within`` (a positive word inside a negation is the negation's)."""
    return [(a, b) for a, b in spans if not any(s <= a < e or s < b <= e for s, e in within)]


def _flag(state: _State, name: str, pos: list[tuple[int, int]], neg: list[tuple[int, int]]) -> None:
    doc = state.doc
    pos = _outside(pos, neg)
    if neg:
        state.case[name] = False
        state.add_evidence(name, (doc.span(s, e) for s, e in neg))
        if pos:
            state.warn(f"{name}: stated and negated; the negation is used")
    elif pos:
        state.case[name] = True
        state.add_evidence(name, (doc.span(s, e) for s, e in pos))


def _surrender(state: _State) -> None:
    """自首: a negation wins; a finding of the court or a voluntary appearance gives True; an arrest alone gives
    False; a voluntary appearance and an arrest together stay unknown (warned), unless the arrest was on the way to
    surrender (1998 Interpretation Art. 1(1))."""
    doc, text = state.doc, state.doc.masked
    neg = _find(SURRENDER_NEGATION, text)
    finding = _outside(_find(SURRENDER_FINDING, text), neg)
    appearance = _outside(_find(SURRENDER_APPEARANCE, text), neg)
    on_the_way = [(a, b) for a, b in appearance if text.startswith("投案途中", a)]
    arrest = _outside(
        _find(SURRENDER_ARREST, text), neg + [(a, b + 12) for a, b in on_the_way]
    )  # not-law: characters after 投案途中
    if neg or finding or not arrest:
        _flag(state, "surrender", finding + appearance, neg)
        return
    if appearance:
        state.warn(
            "surrender: a voluntary appearance and an arrest are both stated (several defendants?); left unknown"
        )
        return
    state.case["surrender"] = False
    state.add_evidence("surrender", (doc.span(s, e, "arrested") for s, e in arrest))


# --- the last act (decides the old or the amended Art. 253-1: features.text.dates)


def _conduct_date(state: _State) -> None:
    found = find_conduct_date(state.doc.norm)
    if found is None:
        return
    for warning in found.warnings:
        state.warn(f"conduct_date: {warning}")
    if found.value is not None:
        state.case["conduct_date"] = found.value
        state.add_evidence("conduct_date", [state.doc.span(found.start, found.end)])


# --- defendants


def _defendants(state: _State) -> set[str]:
    doc = state.doc
    norm = doc.norm
    names: dict[str, list[_Ev]] = {}

    def add(m: re.Match[str]) -> None:
        name = m.group("name")
        if name in _NOT_NAMES:
            return
        names.setdefault(name, []).append(doc.span(m.start("name"), m.end("name")))

    for m in _DEFENDANT.finditer(norm):
        add(m)
        pos = m.end()
        while True:
            e = _ENUM_NAME.match(norm, pos)
            if not e:
                break
            add(e)
            pos = e.end()
    counts: list[tuple[int, _Ev]] = []
    for m in _DEFENDANT_COUNT.finditer(norm):
        raw = m.group("a") or m.group("b") or m.group("c")
        if m.group("a") and m.start() > 0 and norm[m.start() - 1] in "数几":
            continue
        value = parse_number(raw)
        if value is None or not value.is_integer() or not 1 <= value <= MAX_DEFENDANTS:
            continue
        counts.append((int(value), doc.span(m.start(), m.end())))
    n_named = len(names)
    n_counted = max((c for c, _ in counts), default=0)
    if n_counted >= n_named and n_counted:
        state.case["n_defendants"] = n_counted
        state.add_evidence("n_defendants", (s for c, s in counts if c == n_counted))
    elif n_named:
        state.case["n_defendants"] = min(n_named, MAX_DEFENDANTS)
        state.add_evidence("n_defendants", (spans[0] for spans in names.values()))
    return set(names)


# --- final check


def _validate(state: _State) -> None:
    """The case must pass the schema; a field that makes it fail is dropped with a warning (never raised)."""
    for _ in range(len(EXTRACTED_FIELDS)):
        try:
            parse_case(dict(state.case))
            return
        except ValidationError as exc:
            bad = {str(err["loc"][1]) for err in exc.errors() if len(err["loc"]) > 1}
            bad &= set(EXTRACTED_FIELDS)
            if not bad:
                bad = {"records_by_type"} if state.case.get("records_by_type") else set()
            if not bad:
                raise
            for name in bad:
                state.case[name] = [] if name in LIST_FIELDS else None
                state.evidence.pop(name, None)
                state.warn(f"{name}: the value read is not valid for the schema and was dropped")


__all__ = ["EXTRACTED_FIELDS", "Extraction", "Quantity", "Span", "extract_facts"]
