//! Chinese text pools: names, companies, addresses, products and the short notes people write.

use crate::rng::Rng;

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史",
    "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严",
];

pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "浩", "宇", "欣怡", "子涵", "梓轩", "雨萱",
    "俊杰", "思远", "佳怡", "嘉欣", "晨", "鹏", "辉", "婷", "雪", "颖", "琳", "斌", "峰", "凯",
    "帆", "瑶", "倩", "慧", "丹", "博文", "志强", "建华", "海燕", "文静", "晓东", "晓明", "丽娟",
    "春梅", "红霞", "建军", "玉兰", "新华", "立新", "国栋", "振宇", "雅琴", "淑华", "永刚", "晓燕",
    "亚楠", "文博", "一鸣", "子豪", "梦瑶", "诗雨", "天宇", "浩然", "若曦", "家豪",
];

const BRAND: &[&str] = &[
    "恒信", "华通", "鑫源", "泰和", "盛达", "远航", "宏图", "嘉禾", "瑞丰", "德润", "锦程", "安泰",
    "润发", "天成", "金桥", "永盛", "兴隆", "昌明", "丰源", "博雅", "新元", "诚达", "通达", "明辉",
    "佳和", "凯旋", "同创", "立信",
];
const CITY: &[&str] = &[
    "杭州", "宁波", "绍兴", "嘉兴", "湖州", "金华", "苏州", "上海", "温州", "台州",
];
const DISTRICT: &[&str] = &[
    "西湖区",
    "滨江区",
    "余杭区",
    "萧山区",
    "拱墅区",
    "上城区",
    "临平区",
    "钱塘区",
];
const ROAD: &[&str] = &[
    "文三路",
    "江南大道",
    "文一西路",
    "莫干山路",
    "解放东路",
    "学院路",
    "科技大道",
    "建设一路",
];
pub(crate) const INDUSTRY: &[&str] = &[
    "贸易",
    "建材",
    "装饰工程",
    "物业管理",
    "酒店管理",
    "餐饮管理",
    "信息科技",
    "电子",
    "医疗器械",
    "教育咨询",
    "物流",
    "机电设备",
    "家居",
    "房产经纪",
    "食品",
];
const NEEDS: &[&str] = &[
    "办公区智能门锁更换",
    "酒店客房净水设备",
    "新建楼盘新风系统",
    "门店照明改造",
    "仓库安防监控",
    "样板间全屋智能",
    "员工宿舍净水",
    "连锁门店统一采购",
    "学校教室新风改造",
    "写字楼安防升级",
];
pub(crate) const SOURCES_PHONE: &[&str] = &["电话开发", "来电咨询", "网络推广", "老客户介绍"];
pub(crate) const SOURCES_VISIT: &[&str] = &["陌生拜访", "展会", "老客户介绍", "行业协会"];

/// A person's name, e.g. 王伟.
pub(crate) fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// A mobile number 1[3-9]x xxxx xxxx, deterministic from the rng.
pub(crate) fn mobile(rng: &mut Rng) -> String {
    const PREFIX: &[&str] = &[
        "138", "139", "135", "136", "137", "150", "151", "158", "159", "186", "187", "188", "177",
        "199",
    ];
    format!("{}{:08}", rng.pick(PREFIX), rng.below(100_000_000))
}

/// (short name, registered company name, industry) of a business customer.
pub(crate) fn company(rng: &mut Rng) -> (String, String, &'static str) {
    let (b, c, i) = (rng.pick(BRAND), rng.pick(CITY), rng.pick(INDUSTRY));
    (format!("{b}{i}"), format!("{c}{b}{i}有限公司"), i)
}

pub(crate) fn address(rng: &mut Rng) -> String {
    format!(
        "浙江省杭州市{}{}{}号",
        rng.pick(DISTRICT),
        rng.pick(ROAD),
        1 + rng.below(888)
    )
}

pub(crate) fn needs(rng: &mut Rng) -> &'static str {
    NEEDS[rng.below(NEEDS.len() as u32) as usize]
}

/// Products sold through telesales and field sales: (name, group, list price in yuan).
pub(crate) const PRODUCTS: &[(&str, &str, i64)] = &[
    ("HY-S7 指纹智能门锁", "智能门锁", 1_980),
    ("HY-S9 人脸识别门锁", "智能门锁", 3_280),
    ("HY-W600 厨下净水器", "净水设备", 3_680),
    ("HY-W1200 商用净水机", "净水设备", 12_800),
    ("HY-F300 壁挂新风机", "新风系统", 6_800),
    ("HY-F800 中央新风系统", "新风系统", 28_800),
    ("HY-L20 智能照明套件", "智能照明", 860),
    ("HY-C4 四路监控套装", "安防监控", 5_600),
    ("HY-C16 十六路监控系统", "安防监控", 19_800),
    ("HY-H1 全屋智能套装", "全屋智能", 29_800),
];

/// The projects property consultants sell.
pub(crate) const PROJECTS: &[&str] = &["恒远·云栖府", "恒远·滨江壹号", "恒远·未来里"];

pub(crate) const COLD_NOTES: &[&str] = &[
    "初次拜访，介绍公司产品，客户有一定兴趣",
    "门卫拦截，未见到负责人，已留资料",
    "见到采购负责人，约定下周再谈",
    "客户暂无需求，已登记待跟进",
    "了解到客户正在比价，已提供报价单",
    "对方行政经理接待，索要产品目录",
];
pub(crate) const FOLLOW_NOTES: &[&str] = &[
    "回访老客户，了解使用情况",
    "送样品并讲解安装方案",
    "洽谈年度采购框架",
    "催收上月货款，客户承诺月底前付清",
    "客户提出新需求，已反馈技术部",
    "陪同技术人员现场勘测",
];
pub(crate) const INVITED_NOTES: &[&str] = &[
    "客户携家人到访样板间，重点关注三居室",
    "二次到访，比较楼层与朝向",
    "到访洽谈付款方式，倾向按揭",
    "带朋友到访看房，有意向认购",
    "首次到访，了解项目配套与交房时间",
];
pub(crate) const PROGRESS_NOTES: &[&str] = &[
    "已告知客户预计发货日期",
    "已反馈生产进度",
    "已通知客户物流单号",
    "已确认收货地址及收货人",
    "已告知客户到货安装安排",
];
pub(crate) const PROBLEM_NOTES: &[&str] = &[
    "客户要求变更型号",
    "库存不足需调货",
    "收货地址有误需更正",
    "客户反映到货包装破损",
    "开票信息需更正",
];
pub(crate) const COMPLAINTS: &[&str] = &[
    "送货延误",
    "安装师傅迟到",
    "产品与描述不符",
    "售后响应慢",
    "电话推销过于频繁",
    "发票开具错误",
    "业务员承诺的优惠未兑现",
    "回访电话态度生硬",
];
pub(crate) const CONTRACT_RETURNS: &[&str] = &[
    "付款条款需修改",
    "违约责任条款不完整",
    "客户身份信息有误",
    "价格低于授权底价，需重新报批",
];
pub(crate) const MANAGER_RETURNS: &[&str] = &[
    "超出预算，请说明原因",
    "招待事由不清，请补充客户名称",
    "发票不全，请补齐后重新提交",
];
pub(crate) const FINANCE_RETURNS: &[&str] = &[
    "发票抬头与公司名称不符",
    "报销金额与发票合计不一致",
    "缺少审批附件",
];
pub(crate) const MEETING_TOPICS: &[&str] = &[
    "回顾上周业绩，分解本周目标",
    "分析重点客户跟进情况",
    "分享成交案例与话术",
    "讨论回款进度与逾期客户",
    "梳理投诉问题与改进措施",
];
pub(crate) const MEETING_DECISIONS: &[&str] = &[
    "本周每人新增意向客户不少于5个",
    "逾期应收逐一电话催收",
    "下周二前完成客户档案更新",
    "整理成交话术并组内分享",
    "重点客户安排经理陪访",
];
