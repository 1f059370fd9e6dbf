"""Urgency levels 1–4 (DESIGN.md §6) from text signals, sentiment and reach. Every level comes with
the signals that fired, in words an analyst reads ("伤亡: 3人死亡"), so nobody has to trust a number.

Level 1 特别重大/重大: deaths or injuries, attacks by people or animals, poisoning, mass incidents,
school/child safety, threats to life, or an emergency that spreads fast. Level 2 较大: a fire or
explosion, a traffic, fall, water or other accident, a natural disaster, an epidemic, a missing person,
or harm to vital interests with strong negative feeling or growing reach. Level 3 一般: other government
matters. Level 4 关注: not a government matter and no emergency signal.

The event vocabulary is organised by kind of event (SIGNALS); what separates a report from a loose use
of the same word is handled once, for every kind, before matching: a negation (无人员伤亡), a statistic
(自杀率, 每年死亡), an imagined or wished clause (若…将死亡上亿, 坐等你被车撞死), a risk rather than an
event (火灾隐患, 担心坍塌, 事故频发), a non-human victim (鸡农药中毒), hyperbole and figures of speech
(冻死人了, 有种被…的感觉), a near miss or an announced protest (差点骨折, 将静坐), and — set aside after
matching — a memorial, history, fiction or a denied rumour (地震十周年, 盘点, 灵异故事, 辟谣); a fiction word
inside a proper name (美丽传说温泉度假酒店, 电影院) is no fiction. An emergency signal overrides the relevance model: "某化工厂发生
爆炸，3人死亡" is a matter for the government even when it reads like a news headline (`Urgency.emergency`)."""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from dataclasses import dataclass
from functools import reduce
from operator import or_

_N = r"(\d+|[一二两三四五六七八九十百千数多几若干近逾超约])"
_PERSON = (r"(人|名|位|男子|女子|男孩|女孩|男童|女童|老人|孩子|儿童|婴儿|宝宝|学生|工人|农民工|村民|司机|乘客|行人|"
           r"游客|居民|患者|医生|护士|民警|消防员|士兵|飞行员|船员|矿工|女星|男星|空姐|妻子|丈夫|母亲|父亲|小伙|姑娘)")
_BODY = r"(腿|胳膊|手臂|手|脚|腰|腰骨|肋骨|胸骨|骨头|颅骨|脊椎|颈椎|脖子|鼻梁|牙)"
_VEHICLE = (r"(车|车辆|客车|货车|卡车|大巴|巴士|轿车|汽车|跑车|越野车|摩托|电动车|校车|公交|面包车|罐车|渣土车|"
            r"火车|列车|动车|高铁)")
_ANIMAL = r"(狗|犬|熊|老虎|虎|豹子|豹|狼|鳄鱼|鲨鱼|毒蛇|蛇|野猪|猴子?|马蜂|蜂群|狮子|大象|公牛)"

# disasters and accidents share the prefix 灾害事故 (what a reader filters on) and name their kind after
# a dot; their words are set aside when a text looks back (地震十周年)
DISASTER = "灾害事故"

# (category, pattern, weight, is an emergency event); weight ≥ 3 alone makes level 1
SIGNALS: tuple[tuple[str, re.Pattern, int, bool], ...] = (
    # people dead or hurt: a death verb, a count of casualties, a body part broken
    ("伤亡", re.compile(
        _N + r"\s*(名|人|位|个|具)?[^，。！？；,;!?]{0,8}(死亡|身亡|遇难|丧生|罹难|受伤|伤亡|失联|失踪|重伤|不治(?!之症))"
        r"|(致|造成|导致)[^，。！？；,;!?]{0,6}(死亡|身亡|遇难|伤亡|受伤|截瘫|重伤)|(伤亡|死伤)(惨重|近|约|超|逾|达)?\d*"
        r"|(\d+|[一二两三四五六七八九十]+)死(\d+|[一二两三四五六七八九十多数]+)伤|(车|机|船)毁人(亡|伤)"
        r"|身亡|遇难|丧生|罹难|殒命|丧命|毙命|葬身(?!之地)|遇害|被害|被杀|杀害|惨死|溺亡|坠亡|死于|致死|不治(身亡|而亡|死亡|去世)|医治无效|抢救无效|停止(了)?呼吸|心跳停止"
        r"|(生命|性命|人命|一条命)[^，。！？；,;!?]{0,6}(没了|消逝|陨落)"
        r"|(烧|撞|淹|砸|压|炸|毒|砍|捅|刺|勒|掐|咬|踩|摔|电|枪|冻|醉)死|打死(?!我|你|也|都|不)|弄死(?!你|您|他|她|丫|算了)"
        # a person found dead somewhere (死在自家门口), not a figure of speech (死在沙滩上)
        r"|死在(了)?(自家|自己家|家门口|门口|门前|路边|宿舍|工地|办公室|厂里|店里|田里|地里)"
        r"|尸体|尸骨|" + _PERSON + r"[^，。！？；,;!?]{0,4}死亡(?!者|证明)"
        r"|失去[^，。！？；,;!?]{0,2}(左|右|双|一只|一条)?(臂|手臂|胳膊|手|手掌|手指|腿|脚|眼睛?)|断(臂|腿|指)|(?<!导)致残|致伤(\d|多|数|[一二两三四五六七八九十])"
        r"|受伤|重伤|轻伤|伤势|(烧|烫|咬|刺|砍|捅|撞|摔|砸|炸|打|抓)伤|骨折|截瘫|截肢|毁容|昏迷|昏倒|昏到在地"
        r"|头破血流|血流如注|血肉模糊|爆头|(砸|打|压|咬|撞|摔|踢|砍)断[^，。！？；,;!?]{0,4}" + _BODY
        + r"|" + _BODY + r"[^，。！？；,;!?]{0,2}(骨折|被?打断|粉碎)"
        # stabbing counted in blows (捅八刀), a blade drawn on someone, a person stabbed or cut
        r"|(捅|砍|刺|扎)(了)?(\d+|[一二两三四五六七八九十几数多]+)刀|(拿着?|挥舞?|掏出|抽出|亮出)[^，。！？；,;!?]{0,3}刀[子具]?"
        r"[^，。！？；,;!?]{0,4}(捅|砍|刺|扎|追砍|伤人|行凶)|(被|遭)[^，。！？；,;!?]{0,4}(捅|砍|刺|扎)(伤|死|中)"), 3, True),
    ("动物伤人", re.compile(
        r"(被|遭|遭到)[^，。！？；,;!?]{0,4}" + _ANIMAL + r"[^，。！？；,;!?]{0,4}(咬|叼|抓|袭击|攻击|撕|蛰|顶|踩)"
        r"|" + _ANIMAL + r"[^，。！？；,;!?]{0,3}(伤人|咬人|吃人)|叼走"), 3, True),
    ("中毒", re.compile(
        r"(食物|集体|群体|一氧化碳|煤气|农药|酒精|甲醇)中毒|中毒事件|中毒(送医|住院|入院|身亡|死亡)|投毒|误食|"
        r"(多名|多人|\d+名|\d+人)[^，。！？；,;!?]{0,10}(中毒|腹泻|呕吐)|毒气泄漏|毒剂|大肠杆菌|沙门氏菌|败血症|"
        r"(多名|多人|数十人|几十人|\d+\s*(名|人))[^，。！？；,;!?]{0,10}(集体|同时)[^，。！？；,;!?]{0,4}(感染|患上|得上|染上|发病|发烧|住院)|"
        r"(硫酸|氨水|汽油|开水|热油|腐蚀性)[^，。！？；,;!?]{0,6}(泼|喷|浇)|(泼|喷|浇)[^，。！？；,;!?]{0,6}(硫酸|氨水|汽油|腐蚀)"), 3, True),
    ("群体性事件", re.compile(
        r"群体性事件|(村民|群众|业主|工人|职工|家属|市民|民众|人群|众人|上百人|数十人|几十人|多人)[^，。！？；,;!?]{0,6}"
        r"(堵路|堵门|围堵|围住|拉横幅|静坐|冲击|砸烂|掀翻)|集体上访|聚集上访|打砸|聚众(闹事|斗殴|殴打)|械斗|冲突升级|"
        r"(激烈|暴力)冲突|骚乱|群殴|围殴|斗殴|打群架"), 3, True),
    ("学校与儿童安全", re.compile(
        r"(学生|儿童|幼儿|小孩|孩子|男孩|女孩|男童|女童|少年|少女|婴儿|宝宝|校园|学校|幼儿园|小学生|中学生)"
        r"[^。！？!?]{0,12}(受伤|失踪|猥亵|性侵|欺凌|霸凌|虐待|坠楼|走失|被打|殴打|安全事故|溺水|中毒|体罚)|虐童|校园暴力(事件|案)|"
        r"拐卖|被拐|拐骗|拐走|人贩子?[^，。！？；,;!?]{0,6}(拐|抢|偷|抱走|带走|被抓|落网|抓获|团伙)|收买被?拐"), 3, True),
    ("暴力与生命威胁", re.compile(
        r"跳楼(?!机|价|式|大甩卖)|自焚|轻生|(上吊|投河|跳河|跳江|跳湖|跳海|卧轨|割腕|服毒|喝农药|烧炭)(自杀)?|"
        r"自杀(身亡|未遂|事件|死亡|案)|后自杀|(扬言|企图|试图|欲)(自杀|跳楼|轻生|自焚)|报复社会|"
        # someone's suicide reported as news (张紫妍自杀, 一男子自杀), not the wish to (想自杀) nor a rate
        r"(" + _PERSON + r"|明星|演员|歌手|艺人|[\u4e00-\u9fff]某|(^|[，。！？；,;!?：:“\"\s]|说|称|曝|传|悉)[\u4e00-\u9fff]{2,3})"
        r"(?<![想要会去不防劝曾准打敢再该逼能在说])自杀(?!率|倾向|念头|的|式|游戏|论|者|网站|干预|热线|预防)|"
        r"持刀|砍人|砍杀|行凶|伤医|杀人(?!游戏|最多)|凶杀|命案|杀害|杀死(?!病毒|细菌|癌|比赛|时间)|枪杀|枪击|枪案|"
        r"绑架|劫持|扣押人质|人质事件|囚禁|拘禁|掳走|遇袭|遭袭|被袭|遭到?袭击|袭击事件|恐怖袭击|纵火|爆炸物(?!探测|检测|安检|排查)|要出人命|死亡威胁|"
        r"暗杀|刺杀|遇刺|性侵|强奸|轮奸|猥亵|性骚扰|性虐待|电棍(打|击|电)|(用|拿)电棍|流弹|(路边|汽车|自杀式)(炸弹|袭击|爆炸)|炸弹(袭击|爆炸)|"
        r"殴打|欧打|被打|挨打|暴打|毒打|(?<![不别])打人(?![民工情才力])|打伤|大打出手|动手打|拳打脚踢|扇[^，。！？；,;!?]{0,4}(耳光|巴掌)|耳光|故意伤害|伤害(学生|孩子|儿童|幼儿|老人|村民|居民|他人|群众|我|妻子|丈夫|女儿|儿子|父亲|母亲)|(持刀|持枪|入室|拦路|当街|蒙面)抢劫(?!过)|抢劫(案|杀人|致)|(被|遭|遭遇)抢劫(?!过)|(被|遭受?|遭到)家暴|家暴致"), 3, True),
    ("灾害事故·火灾爆炸", re.compile(
        r"火灾|起火|着火|失火|火情|山火|林火|火势|浓烟|引燃|烧毁|焚毁|爆炸(?![头性了物])|爆燃|闪爆|燃爆(事故|现场)|发生燃爆|"
        r"(熊熊|一场|场|冲天)大火|发生(了)?[^，。！？；,;!?]{0,3}(大火|火警)|大火(已|被|烧|蔓延|扑灭|吞噬)|(这么|好|很|特别)大的?火(?!了|爆)|(熊熊|冲天)(烈火|火光)"),
     2, True),
    ("灾害事故·交通事故", re.compile(
        r"车祸|交通事故|撞车|相撞|追尾|侧翻|翻车事故|撞人|撞倒|撞伤|被撞|碾压|肇事|逃逸|自撞|撞毁|" + _VEHICLE +
        r"[^，。！？；,;!?]{0,10}(失控|侧翻|翻车|翻下|翻入|翻覆|坠入|坠下|冲出|冲下|撞上|撞向|甩出|碾|起火)"), 2, True),
    ("灾害事故·坠落坍塌", re.compile(
        r"坠楼|坠崖|坠河|坠江|坠海|坠井|坠落|跌落|(从|自)[^，。！？；,;!?]{0,8}(摔下|掉下|跳下)|高空坠物|"
        r"坍塌|倒塌|垮塌|塌方|塌陷|地陷|(楼|房|桥|墙)[^，。！？；,;!?]{0,2}(塌|倒)了"), 2, True),
    ("灾害事故·溺水", re.compile(r"溺水|落水|淹死|被冲走|被卷走|沉船|翻船|被淹|淹没|决堤|决口|溃坝|被困"), 2, True),
    ("灾害事故·自然灾害", re.compile(
        r"地震|余震|海啸|台风|飓风|暴雨|洪水|洪灾|山洪|内涝|泥石流|山体滑坡|滑坡|雪崩|龙卷风|冰雹|雪灾|沙尘暴|尘暴|"
        r"寒潮|旱灾|旱情|大旱|抗旱|干旱(?!地区|区|气候)|洪峰|水灾|汛情|受灾|灾情|暴雪(预警|袭击|来袭|成灾|天气)|火山(持续)?(喷发|爆发)|喷发|岩浆|熔岩|火山灰"), 2, True),
    ("灾害事故", re.compile(
        r"坠机(?!了)|坠毁|击落|失事|空难|矿难|海难|透水事故|(煤矿|矿井)透水|(工地|矿山|煤矿|矿井|建筑|施工|生产|责任|重大|特大|较大|死亡|伤亡)事故|(发生|出了|酿成|造成)[^，。！？；,;!?]{0,4}事故|(工伤|路口|路段|十字路口)事故|事故(发生|现场|调查|原因|造成|致)|"
        r"(飞机|战机|客机|军机|直升机|船|列车|火车|矿井|工地|电梯)[^，。！？；,;!?]{0,6}出事|(轮|船|舰|艇|航班|客机|班机|列车|动车|高铁|大巴|客车|校车|公交车?)[\"”」』》]?(相撞)?(事故|沉没|倾覆|失火)|脱轨|搁浅|遇险|踩踏|泄漏|危化品|"
        r"触电(身亡|死亡|事故)|(连|接连)?摔(了|毁)?[\d一二两三四五六七八九十几]+架|"
        r"(飞机|客机|战机|军机|直升机|运输机)[^，。！？；,;!?]{0,6}(坠落|摔)|酿成?(惨剧|悲剧|大祸|惨祸)|惨剧|惨案"), 2, True),
    # an outbreak, not every mention of an epidemic ("希望疫情早日结束" is no emergency)
    ("疫情", re.compile(
        r"(新增|累计|确诊)[^，。！？；,;!?]{0,8}\d+\s*例|\d+\s*例[^，。！？；,;!?]{0,6}(病例|确诊|感染|死亡)|\d+\s*例(了|都|，|。|！|,|!)|疑似病例|"
        r"疫情(暴发|爆发|蔓延|扩散|反弹)|(暴发|爆发)[^，。！？；,;!?]{0,4}(疫情|传染病)|聚集性(疫情|感染)|传染病(暴发|疫情)|"
        r"(埃博拉|霍乱|鼠疫)[^，。！？；,;!?]{0,4}(疫情|病例|患者|感染者|死亡|暴发|爆发|蔓延)|禽流感疫情|非洲猪瘟|狂犬病(发作|死亡)|"
        r"(婴儿|儿童|孩子|宝宝|患者|医生|护士|学生|工人|村民|居民|副总统|部长)[^，。！？；,;!?]{0,4}(确诊|感染)|"
        r"确诊[^，。！？；,;!?]{0,12}(病例|患者|病人)|人传人|有人传染|(医务|医护)人员[^，。！？；,;!?]{0,4}感染|密切接触者|隔离观察|"
        r"(整体|集中)隔离|封城|(开始有|出现|发现|也有)[^，。！？；,;!?]{0,3}#?(新型冠状病毒|新冠|冠状病毒|病例|感染者)|"
        r"(已经|已|增至|升至|达到?|超过|突破)[^，。！？；,;!?]{0,3}(\d+|[一二三四五六七八九十百千万]+)多?\s*例"), 2, True),
    # a missing person is searched for now; figurative 失踪 (神秘失踪 of history) stays a risk, hence weight 2
    ("失踪", re.compile(r"失踪|失联|走失|下落不明|寻人|音讯全无|杳无音信|(提供|留意)[^，。！？；,;!?]{0,6}线索"), 2, True),
    ("民生急难", re.compile(r"停水|停电|断水|断电|燃气泄漏|拖欠工资|欠薪|讨薪|无家可归|安全隐患|危房|消防通道"), 1, False),
    ("扩散", re.compile(r"转发|扩散|热搜|曝光|媒体|记者|网传|刷屏"), 1, False),
)

# removed before matching: each reports no event, whatever event word it contains
_NOT_AN_EVENT = tuple(re.compile(p) for p in (
    # the absence of casualties (无人员伤亡)
    r"(无|没有|未造成|未有|暂无|并无|未发现|零)(人员)?(伤亡|死亡|受伤|人受伤|人伤亡)",
    # a statistic: a rate, a yearly count, "every five seconds a child ..."
    r"(车祸|交通事故|事故|火灾|溺水|自杀)?(自杀|死亡|伤亡|事故|发病|致死|感染|病死)率|人身(伤亡|伤害)|(死亡|伤亡|遇难|死伤)(人数|数字|人口)"
    r"|(每年|一年|年均|每天|每[\d一二两三四五六七八九十几]*[秒分]钟?)[^，。！？；,;!?]{0,8}(死亡|伤亡|就有|受伤|死于)"
    # the law's or an insurer's hypothetical (夫妻一方死亡, 被保险人身故)
    r"|(一方|双方|配偶|被继承人|被保险人|投保人)(死亡|去世|身故)"
    # accidents that keep happening somewhere are a hazard, not one event (交通事故频发)
    r"|(事故|车祸)(频发|多发|高发|易发|不断|繁多|频繁)|(常|经常|常常|时常|屡屡?)(出|发生)?(事故|车祸)|(频发|多发|高发|易发)[^，。！？；,;!?]{0,2}(事故|车祸)",
    # hyperbole and threats (冻死人了, 口水会淹死你) and figures of speech (有种被…的感觉, 如同火山喷发)
    r"[冻热饿气吓累笑渴困烦闷坑急忙疼痛]死(人|我)了|[撞砸淹打毒冻饿气吓弄]死(你|您|丫)"
    r"|有种[^，。！？；,;!?]{0,10}的感觉|(如同|犹如|宛如|好比|仿佛|就像)[^，。！？；,;!?]*",
    # a near miss, a protest announced, coercion in words (差点骨折, 业主将静坐, 道德绑架)
    r"(差点|差一点|险些|差点儿)[^，。！？；,;!?]{0,6}|(将|准备|打算|拟|计划|考虑)(集体)?(上访|静坐|堵路|拉横幅)|道德绑架",
    # the geology, not a quake (地震带, 地震局)
    r"地震(带|局|台网?|学家?|仪|预报|预测)",
    # a clause that imagines, warns, curses or wishes (若爆发核战…将死亡上亿, 坐等你出门被车撞死)
    r"[^，。！？；,;!?]*(如果|假如|假设|倘若|万一|一不小心|若(?!干))[^，。！？；,;!?]*",
    r"[^，。！？；,;!?]*(坐等|诅咒|祝你|祝您|恨不得|巴不得)[^。！？!?]*",
    # a risk, not an event: the hazard word goes, the 隐患 stays for 民生急难
    r"(火灾|消防|坍塌|垮塌|倒塌|坠落|高空坠物|溺水|触电|爆炸|塌方|地质塌陷|安全事故|事故)(?=隐患|风险)|出了火灾怎么办|"
    r"(做好|加强|部署|加大)[^，。！？；,;!?]{0,4}(抗旱|防汛|抗洪)|(防火|防汛|防灾|减灾|消防)(演练|演习|知识|宣传|培训|检查|安全)|防灾减灾"
    r"|(担心|担忧|害怕|生怕|唯恐|极易|容易引发|容易造成|很可能|可能会|或将|以免|以防|面临|防止|杜绝|避免|预防|谨防|警惕)[^，。！？；,;!?]*",
    # victims that are not people (鸡农药中毒, 杀死一只狐狸, 动物集体死亡)
    r"(鸡|鸭|鹅|猪|牛|羊|鱼|鸟|蜂|动物|狐狸|蚊子|苍蝇|老鼠|蟑螂|树|庄稼)[^，。！？；,;!?]{0,4}(中毒|死亡|被毒死)"
    r"|(杀死|毒死|打死|拍死|弄死)(了)?(一|几|\d+)?(只|条|头)|(吃|啃|食)(腐肉|尸体)",
))
# a story, history, a video game or a general fact is no emergency now: every event word in it is set
# aside (农村灵异故事, 盘点那些葬身车祸的明星, 世界上杀人最多的狙击手, 王者荣耀：黄忠被烧死了)
_NAMED_PLACE = re.compile(r"(故事|传说|小说|电影|影片|剧情|节目|玩家|盘点)[\u4e00-\u9fff]{0,6}?"
                          r"(院|城|酒店|宾馆|度假村|山庄|小区|花园|广场|大厦|公园|餐厅|会所|酒吧|网吧|KTV|公司|街|路)")
_FICTION = re.compile(r"故事|灵异|传说|小说|电影|影片|美剧|剧情|节目|死法|历史上|史上|盘点|十大|古代|军统|原子弹|"
                      r"世界上[^，。！？；,;!?]{0,6}最|[明清宋唐汉秦元隋晋]朝|三国|皇帝|古人|二战|一战|抗战|抗日战争|民国|往事|谣言|辟谣|造谣|谣传|诬蔑|诬陷|诬告|"
                      r"王者荣耀|绝地求生|吃鸡|英雄联盟|LOL|手游|网游|玩家|攻略|胜率|打野|副本|段位|上分|电竞|开黑")
# remembering a past disaster (地震十周年, 纪念) sets aside the disaster and, for the stronger markers of a
# memorial, its dead too (寄给大地震遇难同胞的一封信)
_MEMORIAL = (r"周年|纪念|缅怀|祭奠|默哀|安息|十年|(\d+|[一二三四五六七八九十]+)年(前|后|来)|"
             r"(震|灾)后(\d+|[一二三四五六七八九十]+)年|遇难同胞|前世今生")
_STRONG_MEMORIAL = re.compile(_MEMORIAL)
_LOOKING_BACK = re.compile(_MEMORIAL + r"|回顾|回忆|当年|那年|感悟|汶川|唐山大地震|5[·.]?12|\d{4}年\d{1,2}月\d{1,2}日那天|如何分类|是哪来的|"
                           r"避险指南|前兆|遗址|救援经验|重建|科普|讲座|听课|小贴士|常识")
NEGATIVE_STRONG = 0.8


# --- prefilter ---------------------------------------------------------------------------------------
# Most texts contain none of the characters some pattern needs, and a dozen large regexes per text is
# the largest cost of the analysis. Each pattern's needed characters are read from its own syntax tree
# (below), so the filter cannot drift from the patterns. It is exact: stripping only removes
# characters, so a pattern that cannot match the raw text cannot match the stripped one either.
# PREFILTER = False runs the patterns as written, one whole regex at a time: the reference the fast
# path is tested against (tests/nlp/test_urgency_prefilter.py, tests/nlp/test_urgency_fast.py).
PREFILTER = True
# very frequent characters make poor gates: when a sequence offers several mandatory parts, the one with
# the rarest characters is chosen (only speed depends on this list, never the result)
_COMMON = frozenset("的一是不了人在有我他这中大来上个们到说和地也子时道出而要于就下得可你年生自会那后能对着事其里"
                    "所去行过家十用发天如然作方成者多日都三小二无同么经法当起与好看学进种将还分此心前面又定见只主"
                    "没公从被很最区市县镇村问题反映请情况工作部门领导关")


def _cost(chars: frozenset[str]) -> int:
    return sum(100 if c in _COMMON else 1 for c in chars)


def _needed(items) -> frozenset[str] | None:
    """Characters of which every match of the sequence `items` contains at least one (None: no such
    guarantee). A sequence needs what any of its mandatory parts needs; the cheapest part is taken."""
    best = None
    for op, av in items:
        need = _needed_by(op, av)
        if need is not None and (best is None or _cost(need) < _cost(best)):
            best = need
    return best


def _needed_by(op, av) -> frozenset[str] | None:
    if op is _sre.LITERAL:
        return frozenset(chr(av))
    if op is _sre.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is _sre.LITERAL:
                chars.add(chr(value))
            elif kind is _sre.RANGE and value[1] - value[0] < 64:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:  # a negated class, a category (\d, \s) or a wide range: no small set of characters
                return None
        return frozenset(chars)
    if op is _sre.BRANCH:
        branches = [_needed(branch) for branch in av[1]]
        return None if any(b is None for b in branches) else frozenset().union(*branches)
    if op is _sre.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _needed(av[3])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return _needed(av[2]) if av[0] >= 1 else None
    if op is _sre.ATOMIC_GROUP:
        return _needed(av)
    return None  # anchors, lookarounds, any character, back references: nothing consumed for sure


def needed_chars(pattern: re.Pattern) -> frozenset[str] | None:
    """Characters of which every match of `pattern` contains one; None when the pattern gives no
    such guarantee (then it always runs)."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _needed(_sre_parse.parse(pattern.pattern, pattern.flags))


_NEEDED = {pattern: needed_chars(pattern) for pattern in (*_NOT_AN_EVENT, *(s[1] for s in SIGNALS))}


def _may_match(pattern: re.Pattern, present: frozenset[str] | None) -> bool:
    need = _NEEDED.get(pattern)
    return present is None or need is None or not need.isdisjoint(present)


# --- fast path ---------------------------------------------------------------------------------------
# A whole pattern is gated by the union of its alternatives' characters, so a big alternation runs on
# almost every text, and then its slowest alternative (a count before 死亡, a name before 自杀) scans
# every position. Each top-level alternative is therefore compiled and gated on its own: one bit per
# alternative, the text's gate read once from its distinct characters. Nothing follows the top-level
# alternation, so the whole pattern's match is the alternatives' leftmost match, ties to the earliest
# alternative, and each alternative searched on the whole text sees the same context (lookbehinds,
# ^) as it did inside the whole pattern.
_bits_used = 0


def _take_bits(count: int) -> int:
    global _bits_used
    offset, _bits_used = _bits_used, _bits_used + count
    return offset


def _top_level_alternatives(source: str) -> list[str]:
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1
            i += source.startswith("^", i)
            i += source.startswith("]", i)  # a ] first in a class is a literal
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    return parts


def _uses(items, ops) -> bool:
    """Whether the parsed sequence contains any of `ops` at any depth."""
    return any(op in ops or any(_uses(nested, ops) for nested in _subpatterns(av)) for op, av in items)


def _subpatterns(value):
    if isinstance(value, _sre_parse.SubPattern):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _subpatterns(item)


class _Alternatives:
    """`pattern` split into its top-level alternatives, each with its own gate bit."""

    def __init__(self, pattern: re.Pattern):
        self.pattern = pattern
        self.parts = self._split(pattern) or (pattern,)  # a pattern that cannot be split runs whole
        self.offset = _take_bits(len(self.parts))
        self.mask = (1 << len(self.parts)) - 1
        self.needs = tuple(needed_chars(p) for p in self.parts)
        self.bits = self.mask << self.offset
        self._chosen: dict[int, tuple[re.Pattern, ...]] = {}

    @staticmethod
    def _split(pattern: re.Pattern) -> tuple[re.Pattern, ...] | None:
        """The alternatives, when they are equivalent to the whole: no flag that would read differently,
        no back reference across alternatives, each alternative a pattern of its own, and none that can
        match the empty string (sub()'s rules for empty matches are not reproduced)."""
        if pattern.flags != re.UNICODE:
            return None
        if _uses(_sre_parse.parse(pattern.pattern, pattern.flags), {_sre.GROUPREF, _sre.GROUPREF_EXISTS}):
            return None
        try:
            parts = tuple(re.compile(s) for s in _top_level_alternatives(pattern.pattern))
        except re.error:
            return None
        if "|".join(p.pattern for p in parts) != pattern.pattern or sum(p.groups for p in parts) != pattern.groups:
            return None  # not split where the alternation is
        if any(_sre_parse.parse(p.pattern).getwidth()[0] == 0 for p in parts):
            return None
        return parts

    def _gated(self, gate: int) -> tuple[re.Pattern, ...]:
        bits = (gate >> self.offset) & self.mask
        parts = self._chosen.get(bits)
        if parts is None:
            parts = tuple(part for index, part in enumerate(self.parts) if bits >> index & 1)
            if len(self._chosen) < 4096:  # texts share few combinations; the bound is for adversarial input
                self._chosen[bits] = parts
        return parts

    def search(self, text: str, gate: int) -> re.Match | None:
        parts = self._gated(gate)
        if len(parts) == 1:
            return parts[0].search(text)
        best = None
        for part in parts:
            match = part.search(text)
            # strictly before: on a tie the earlier alternative (searched first) wins
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        return best

    def found(self, text: str, gate: int) -> bool:
        return any(part.search(text) for part in self._gated(gate))

    def sub(self, text: str, gate: int) -> str:
        """pattern.sub("", text): the leftmost match, ties to the earliest alternative, again and again
        from the end of the last one."""
        parts = self._gated(gate)
        if len(parts) <= 1:  # the alternatives gated out cannot match anywhere
            return parts[0].sub("", text) if parts else text
        found = [part.search(text) for part in parts]
        pieces, position = [], 0
        while True:
            best = None
            for index, match in enumerate(found):
                if match is not None and match.start() < position:
                    # a match at or after `position` is still the leftmost from there: every start
                    # before it was tried and failed
                    match = found[index] = parts[index].search(text, position)
                if match is not None and (best is None or match.start() < best.start()):
                    best = match
            if best is None:
                break
            pieces.append(text[position:best.start()])
            position = best.end()
        pieces.append(text[position:])
        return "".join(pieces)


_CLAUSE = re.compile(r"\[\^(?P<open>[^\]\\]+)\]\*\((?P<trigger>.+)\)\[\^(?P<close>[^\]\\]+)\]\*")


class _Clauses:
    """pattern.sub("", text) for a pattern of the shape [^D]*(trigger)[^E]* (E within D, a trigger
    that holds no character of D): every clause from its start to the next E that holds a trigger.
    Run as written, the leading [^D]* scans to the end of the clause from every position of a clause
    without a trigger, which costs the square of the clause's length."""

    @classmethod
    def of(cls, pattern: re.Pattern) -> _Clauses | None:
        shape = _CLAUSE.fullmatch(pattern.pattern)
        if shape is None or pattern.flags != re.UNICODE:
            return None
        trigger, opening, closing = shape["trigger"], set(shape["open"]), set(shape["close"])
        if any(c in "\\-^[]" for c in opening | closing) or not closing <= opening:
            return None
        depth = 0
        for char in trigger:  # (trigger) must be one group, not "(a)…(b)"
            depth += (char == "(") - (char == ")")
            if depth < 0:
                return None
        try:
            parsed = _sre_parse.parse(trigger)
        except re.error:
            return None
        literals: set[str] = set()
        if not cls._plain(parsed, literals) or literals & opening or parsed.getwidth()[0] == 0:
            return None
        return cls(pattern, re.compile(trigger), opening, closing)

    @classmethod
    def _plain(cls, items, literals: set[str]) -> bool:
        """Literals, alternations, groups and lookarounds only: what the trigger consumes is a literal."""
        for op, av in items:
            if op is _sre.LITERAL:
                literals.add(chr(av))
            elif op is _sre.BRANCH:
                if not all(cls._plain(b, literals) for b in av[1]):
                    return False
            elif op is _sre.SUBPATTERN:
                if not cls._plain(av[3], literals):
                    return False
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
                pass  # consumes nothing; it sees the whole text here as in the whole pattern
            else:
                return False
        return True

    def __init__(self, pattern: re.Pattern, trigger: re.Pattern, opening: set[str], closing: set[str]):
        self.pattern = pattern
        self.trigger = trigger
        self.opening = tuple(opening)
        self.closing = re.compile("[" + "".join(sorted(closing)) + "]")
        self.offset = _take_bits(1)
        self.bits = 1 << self.offset
        self.needs = (needed_chars(trigger),)

    def sub(self, text: str, gate: int) -> str:  # the gate was read by the caller: one bit, the trigger's
        match = self.trigger.search(text)
        if match is None:
            return text
        pieces, position = [], 0
        while match is not None:
            trigger = match.start()
            start = max(text.rfind(d, position, trigger) for d in self.opening) + 1
            pieces.append(text[position:max(start, position)])
            end = self.closing.search(text, trigger)
            position = end.start() if end else len(text)
            match = self.trigger.search(text, position)
        pieces.append(text[position:])
        return "".join(pieces)


_FAST_STRIPS = tuple(_Clauses.of(p) or _Alternatives(p) for p in _NOT_AN_EVENT)
_FAST_SIGNALS = tuple(_Alternatives(pattern) for _, pattern, _, _ in SIGNALS)
_FAST_NAMED_PLACE = _Alternatives(_NAMED_PLACE)
_FAST_FICTION = _Alternatives(_FICTION)
_FAST_STRONG_MEMORIAL = _Alternatives(_STRONG_MEMORIAL)
_FAST_LOOKING_BACK = _Alternatives(_LOOKING_BACK)
# one bit per alternative, so a text's gate is computed once from its distinct characters instead of one
# set test per alternative (the set tests cost as much as the searches they saved)
_UNGATED = 0
_CHAR_BITS: dict[str, int] = {}
for _fast in (*_FAST_STRIPS, *_FAST_SIGNALS, _FAST_NAMED_PLACE, _FAST_FICTION, _FAST_STRONG_MEMORIAL,
              _FAST_LOOKING_BACK):
    for _index, _need in enumerate(_fast.needs):
        _bit = 1 << (_fast.offset + _index)
        if _need is None:
            _UNGATED |= _bit
        for _char in _need or ():
            _CHAR_BITS[_char] = _CHAR_BITS.get(_char, 0) | _bit
_GATE_CHARS = frozenset(_CHAR_BITS)


def _gate(text: str) -> int:
    """Bit mask of the alternatives that may match `text` (or, after stripping, any part of it)."""
    return reduce(or_, map(_CHAR_BITS.__getitem__, _GATE_CHARS.intersection(text)), _UNGATED)


@dataclass(frozen=True)
class Urgency:
    level: int
    score: float
    signals: tuple[str, ...]
    emergency: bool  # an emergency event fired: the text is a government matter whatever relevance says


def _strip_non_events(text: str) -> str:
    for pattern in _NOT_AN_EVENT:
        text = pattern.sub("", text)
    return text


def _matches(text: str) -> tuple[str, list[tuple[int, re.Match]]]:
    """The stripped text and, for each signal that matches it, (index in SIGNALS, match)."""
    if not PREFILTER:
        text = _strip_non_events(text)
        return text, [(i, m) for i, (_, pattern, _, _) in enumerate(SIGNALS) if (m := pattern.search(text))]
    gate = _gate(text)
    for strip in _FAST_STRIPS:
        if gate & strip.bits:
            text = strip.sub(text, gate)
    return text, [(i, m) for i, fast in enumerate(_FAST_SIGNALS)
                  if gate & fast.bits and (m := fast.search(text, gate))]


def _frames(text: str) -> tuple[bool, bool, bool]:
    """Whether the stripped text is fiction, a memorial, a look back."""
    if not PREFILTER:
        return (bool(_FICTION.search(_NAMED_PLACE.sub("", text))), bool(_STRONG_MEMORIAL.search(text)),
                bool(_LOOKING_BACK.search(text)))
    gate = _gate(text)
    return (bool(gate & _FAST_FICTION.bits) and _FAST_FICTION.found(_FAST_NAMED_PLACE.sub(text, gate), gate),
            bool(gate & _FAST_STRONG_MEMORIAL.bits) and _FAST_STRONG_MEMORIAL.found(text, gate),
            bool(gate & _FAST_LOOKING_BACK.bits) and _FAST_LOOKING_BACK.found(text, gate))


def assess(text: str, *, relevant: bool = True, negative: float = 0.0, likes: int = 0, reposts: int = 0,
           comments: int = 0, model_alarm: float | None = None) -> Urgency:
    """Level 1 特别重大/重大, 2 较大, 3 一般, 4 关注, with the signals that fired.

    `model_alarm`: P(emergency) of the supervised model (nlp.urgency_model) when it is at or above its
    threshold. It raises the level to 2 at most and makes no emergency: held out set by set, the model
    finds about three in ten of the emergencies the rules miss but tells a real event from the same
    words used loosely far worse than the rules do (data/nlp/README.md)."""
    text, matches = _matches(text or "")
    fired: list[str] = []
    score = 0.0
    critical = emergency = False
    frames: tuple[bool, bool, bool] | None = None  # fiction, memorial, looking back: read when an event fires
    for index, match in matches:
        category, _, weight, is_event = SIGNALS[index]
        if is_event and frames is None:
            frames = _frames(text)
        fiction, memorial, looking_back = frames or (False, False, False)
        if is_event and (fiction or (looking_back and category.startswith(DISASTER)) or (memorial and category == "伤亡")):
            fired.append(f"往事: {match.group(0)}")
            continue
        fired.append(f"{category}: {match.group(0)}")
        score += weight
        critical = critical or weight >= 3
        emergency = emergency or is_event
    reach = max(likes, 0) + 2 * max(reposts, 0) + max(comments, 0)
    viral = reach >= 10000
    if reach >= 1000:
        fired.append(f"传播: 互动 {reach}")
        score += 2 if viral else 1
    if negative >= NEGATIVE_STRONG:
        fired.append(f"负面情绪: {negative:.2f}")
        score += 1
    if critical or (emergency and viral):
        level = 1
    elif emergency or score >= 3 or (relevant and score >= 2):
        level = 2
    elif model_alarm is not None:
        level = 2
    elif relevant:
        level = 3
    else:
        fired.append("非政务相关")
        level = 4
    if model_alarm is not None:
        fired.append(f"模型: 疑似突发 {model_alarm:.2f}")
    return Urgency(level=level, score=score, signals=tuple(fired), emergency=emergency)
